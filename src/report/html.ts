/**
 * The run's report as one self-contained HTML file: the timeline (svg.ts), the metrics (metrics.ts),
 * and each task's log tail and files edited. No network: inline style and script only, and a
 * Content-Security-Policy that allows nothing else. The script shows the hover text of a task
 * beside the timeline, and writes any error into the page (#report-errors), where a test sees it.
 */
import { formatDuration } from './eta.js';
import type { RunMetrics } from './metrics.js';
import type { RunModel } from './model.js';
import { COLORS, escapeXml as esc, renderTimelineSvg } from './svg.js';

export interface TaskExtras {
  /** The last lines of the task's job log. */
  logTail?: string;
}

const style = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1f2328;max-width:1100px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:4px 0} td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
th{color:#57606a;font-weight:600} .num{text-align:right;font-variant-numeric:tabular-nums}
.metrics{display:flex;flex-wrap:wrap;gap:8px 28px}
.card{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;min-width:120px}
.card b{display:block;font-size:20px}
.state{display:inline-block;padding:0 6px;border-radius:10px;color:#fff;font-size:12px}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:260px;font-size:12px}
#hover-info{min-height:1.5em;color:#57606a;font-size:13px;margin:4px 0}
.timeline .task:hover rect.bar{stroke:#1f2328;stroke-width:1}
code{background:#f6f8fa;padding:0 3px}
`;

const script = `
(function () {
  var errors = [];
  function report(message) {
    errors.push(String(message));
    var box = document.getElementById('report-errors');
    if (box) { box.hidden = false; box.textContent = errors.join('\\n'); }
  }
  window.onerror = function (message) { report(message); };
  window.addEventListener('unhandledrejection', function (e) { report(e.reason); });
  var info = document.getElementById('hover-info');
  var tasks = document.querySelectorAll('svg.timeline g.task');
  for (var i = 0; i < tasks.length; i += 1) {
    tasks[i].addEventListener('mouseenter', function (e) {
      var title = e.currentTarget.querySelector('title');
      info.textContent = title ? title.textContent : '';
    });
  }
  document.body.setAttribute('data-ready', String(tasks.length));
})();
`;

function stateBadge(status: string): string {
  return `<span class="state" style="background:${COLORS[status] ?? '#8c959f'}${status === 'Not Started' || status === 'Skipped' ? ';color:#1f2328' : ''}">${esc(status)}</span>`;
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`;

export function renderReportHtml(
  model: RunModel,
  metrics: RunMetrics,
  extras: Map<string, TaskExtras>,
  generatedAt: number,
): string {
  const m = metrics;
  const cards: [string, string][] = [
    ['completed', `${m.tasks.completed}/${m.tasks.total}`],
    ['failed', String(m.tasks.failed)],
    ['blocked', String(m.tasks.blocked)],
    ['blocked rate', pct(m.blockedRate)],
    ['restarts', `${m.restarts.total} (${m.restarts.rateLimit} rate limit)`],
    ['wall time', formatDuration(m.wallMs)],
    ['agent time', formatDuration(m.agentMs)],
    ['parallelism', `${m.parallelism.toFixed(2)}×`],
    ['waiting on launches', formatDuration(m.launchWaitMs)],
    ['waiting on merges', formatDuration(m.mergeWaitMs)],
  ];
  const state = model.live
    ? 'running now'
    : model.startedAt === undefined
      ? 'no run recorded'
      : model.finished
        ? `finished (exit ${model.exitCode ?? '?'})`
        : 'interrupted (no end recorded)';
  const waves = m.waves
    .map(
      (w) =>
        `<tr><td>Wave ${w.wave}</td><td class="num">${w.tasks}</td><td class="num">${w.durationMs !== undefined ? formatDuration(w.durationMs) : '–'}</td></tr>`,
    )
    .join('');
  const perTask = model.tasks
    .map((task) => {
      const row = m.perTask.find((p) => p.id === task.id);
      return `<tr class="task-row" data-id="${esc(task.id)}" data-state="${esc(task.status)}"><td>${esc(task.id)}</td><td>${esc(task.name)}</td><td>${stateBadge(task.status)}</td><td class="num">${task.durationMs !== undefined ? formatDuration(task.durationMs) : '–'}</td><td class="num">${row?.commits ?? 0}</td><td class="num">${row?.files ?? 0}</td><td class="num">${task.restarts.length}</td><td>${esc(task.branch ?? '')}</td></tr>`;
    })
    .join('');
  const details = model.tasks
    .filter((task) => task.launchAt !== undefined || task.filesEdited.length > 0 || task.reason)
    .map((task) => {
      const tail = extras.get(task.id)?.logTail ?? '';
      return `<details data-id="${esc(task.id)}"><summary>${esc(task.id)}: ${esc(task.name)} ${stateBadge(task.status)}${task.reason !== undefined ? ` — ${esc(task.reason)}` : ''}</summary>
<p>Files edited: ${task.filesEdited.length > 0 ? task.filesEdited.map((f) => `<code>${esc(f)}</code>`).join(', ') : 'none recorded'}</p>
${task.commits.length > 0 ? `<p>Commits:</p><pre>${esc(task.commits.join('\n'))}</pre>` : ''}
<p>Log tail${task.jobId !== undefined ? ` (job <code>${esc(task.jobId)}</code>)` : ''}:</p><pre>${esc(tail !== '' ? tail : '(no log)')}</pre></details>`;
    })
    .join('\n');
  const spec = m.spec;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ccglm report: ${esc(model.plan)}</title><style>${style}</style></head>
<body data-run-state="${esc(state)}">
<h1>${esc(model.title ?? model.plan)}</h1>
<div>${esc(model.plan)} — ${esc(state)}${model.startedAt !== undefined ? ` — started ${esc(new Date(model.startedAt).toISOString())}` : ''} — report written ${esc(new Date(generatedAt).toISOString())}</div>
<pre id="report-errors" hidden></pre>
<h2>Metrics</h2>
<div class="metrics">${cards.map(([k, v]) => `<div class="card" data-metric="${esc(k)}">${esc(k)}<b>${esc(v)}</b></div>`).join('')}</div>
<h2>Timeline</h2>
<div id="hover-info">Hover a task to see what it waited for.</div>
${renderTimelineSvg(model)}
<p class="legend">${['Completed', 'Failed', 'Blocked', 'In Progress'].map((k) => stateBadge(k)).join(' ')} · lighter: launch (worktree, job) and merge · dashed outline: critical path · orange mark: restart · shaded: rate-limit pause</p>
<p>Critical path: ${m.criticalPath.map(esc).join(' → ') || '–'}${model.throttles.length > 0 ? ` · ${model.throttles.length} rate-limit pause(s) (shaded)` : ''}</p>
<h2>Waves</h2>
<table><tr><th>Wave</th><th>Tasks</th><th>Duration</th></tr>${waves}</table>
<h2>Tasks</h2>
<table id="tasks"><tr><th>Task</th><th>Name</th><th>State</th><th>Agent</th><th>Commits</th><th>Files</th><th>Restarts</th><th>Branch</th></tr>${perTask}</table>
<h2>Success metrics (spec)</h2>
<table><tr><td>PRs per epic (target 1–2)</td><td class="num">${spec.prsPerEpic}</td></tr>
<tr><td>Worktrees per epic (target 1)</td><td class="num">${spec.worktreesPerEpic}</td></tr>
<tr><td>Blocked delegation rate (target under 10 %)</td><td class="num">${pct(spec.blockedDelegationRate)}</td></tr>
<tr><td>Founder interventions (interrupts, re-runs; target 0)</td><td class="num">${spec.founderInterventions}</td></tr></table>
<h2>Branches and PR</h2>
<p>Integration branch: <code>${esc(m.integrationBranch)}</code></p>
${m.notReady.length > 0 ? `<p>Not ready for a PR: ${esc(m.notReady.join(', '))}</p>` : ''}
${m.prCommands.map((c) => `<pre>${esc(c)}</pre>`).join('')}
<details><summary>${m.branches.length} task branch(es)</summary><pre>${esc(m.branches.join('\n'))}</pre></details>
<h2>Task details</h2>
${details}
<script>${script}</script>
</body></html>
`;
}
