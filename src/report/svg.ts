/**
 * The run's timeline as one standalone SVG: a row per task grouped by wave, bars from launch to end
 * coloured by outcome (the launch and the merge in lighter parts), restarts and rate-limit pauses
 * marked, the critical path outlined; each row's <title> (the hover text) says what it waited on.
 */
import { formatDuration } from './eta.js';
import type { RunModel, TaskModel } from './model.js';

export const COLORS: Record<string, string> = {
  Completed: '#2da44e',
  Failed: '#cf222e',
  Blocked: '#8c959f',
  'In Progress': '#0969da',
  'Not Started': '#d0d7de',
  Skipped: '#d0d7de',
};

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const LABEL = 220;
const PLOT = 760;
const ROW = 22;
const TOP = 34;

/** What the hover says of a task: its state, time, and the dependency that made it wait. */
export function hoverText(task: TaskModel, model: RunModel): string {
  const start = model.startedAt ?? 0;
  const at = (t: number) => `+${formatDuration(t - start)}`;
  const parts: string[] = [`${task.id}: ${task.name}`, task.status];
  if (task.durationMs !== undefined) parts.push(`agent ${formatDuration(task.durationMs)}`);
  if (task.launchAt !== undefined) parts.push(`picked at ${at(task.launchAt)}`);
  if (task.waitedOn !== undefined) {
    const dep = model.tasks.find((t) => t.id === task.waitedOn);
    parts.push(
      `waited for ${task.waitedOn}${dep?.endAt !== undefined ? ` (ended ${at(dep.endAt)})` : ''}`,
    );
  } else if (task.launchAt !== undefined) parts.push('no dependency to wait for');
  for (const restart of task.restarts)
    parts.push(`restarted at ${at(restart.t)}: ${restart.reason}`);
  if (task.reason !== undefined) parts.push(task.reason);
  return parts.join(' — ');
}

export function renderTimelineSvg(model: RunModel): string {
  const start = model.startedAt ?? 0;
  const end = Math.max(model.endedAt ?? start, start + 1);
  const x = (t: number) =>
    LABEL + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * PLOT;
  const byId = new Map(model.tasks.map((task) => [task.id, task]));
  const rows: string[] = [];
  const critical: string[] = [];
  let y = TOP;
  model.waves.forEach((ids, index) => {
    rows.push(
      `<text class="wave-label" x="4" y="${y + 15}" font-weight="bold">Wave ${index + 1}</text>`,
      `<line x1="0" x2="${LABEL + PLOT}" y1="${y + 0.5}" y2="${y + 0.5}" stroke="#d0d7de"/>`,
    );
    y += ROW;
    for (const id of ids) {
      const task = byId.get(id);
      if (task === undefined) continue;
      rows.push(taskRow(task, model, y, x, end));
      if (task.critical && task.launchAt !== undefined) {
        const x1 = x(task.launchAt);
        const x2 = Math.max(x(task.endAt ?? end), x1 + 2);
        critical.push(
          `<rect class="critical" data-id="${escapeXml(id)}" x="${x1.toFixed(1)}" y="${y + 3}" width="${(x2 - x1).toFixed(1)}" height="${ROW - 6}" fill="none" stroke="#1f2328" stroke-width="2" stroke-dasharray="4 2"/>`,
        );
      }
      y += ROW;
    }
  });
  const height = y + 10;
  const pauses = model.throttles.map((pause) => {
    const x1 = x(pause.t);
    const x2 = Math.max(x(pause.until ?? pause.t), x1 + 2);
    return `<rect class="pause" x="${x1.toFixed(1)}" y="${TOP}" width="${(x2 - x1).toFixed(1)}" height="${height - TOP - 10}" fill="#bf8700" fill-opacity="0.15"><title>${escapeXml(`rate limited: concurrency ${pause.concurrency}; ${pause.reason}`)}</title></rect>`;
  });
  const ticks: string[] = [];
  for (let i = 0; i <= 5; i += 1) {
    const t = start + ((end - start) * i) / 5;
    const tx = x(t);
    ticks.push(
      `<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${TOP - 6}" y2="${height - 10}" stroke="#eaeef2"/>`,
      `<text x="${tx.toFixed(1)}" y="${TOP - 10}" text-anchor="middle" fill="#57606a">${formatDuration(t - start)}</text>`,
    );
  }
  const title = `${model.plan}: ${model.tasks.length} tasks, ${formatDuration(end - start)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${LABEL + PLOT + 10}" height="${height}" viewBox="0 0 ${LABEL + PLOT + 10} ${height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...ticks,
    ...pauses,
    ...rows,
    `<g id="critical-path">${critical.join('')}</g>`,
    '</svg>',
  ].join('\n');
}

function taskRow(
  task: TaskModel,
  model: RunModel,
  y: number,
  x: (t: number) => number,
  end: number,
): string {
  const color = COLORS[task.status] ?? '#d0d7de';
  const label = `${task.id} ${task.name}`;
  const parts: string[] = [
    `<text x="12" y="${y + 15}">${escapeXml(label.length > 28 ? `${label.slice(0, 27)}…` : label)}</text>`,
  ];
  const bar = (from: number, to: number, fill: string, cls: string, opacity = 1) => {
    const x1 = x(from);
    const x2 = Math.max(x(to), x1 + 2);
    parts.push(
      `<rect class="${cls}" x="${x1.toFixed(1)}" y="${y + 4}" width="${(x2 - x1).toFixed(1)}" height="${ROW - 8}" fill="${fill}" fill-opacity="${opacity}" rx="2"/>`,
    );
  };
  for (const span of task.earlier) bar(span.from, span.to, color, 'earlier-attempt', 0.2);
  if (task.launchAt !== undefined) {
    const agentFrom = task.startAt ?? task.launchAt;
    const agentTo = task.exitAt ?? task.endAt ?? end;
    bar(task.launchAt, agentFrom, color, 'launch', 0.35);
    bar(agentFrom, agentTo, color, 'bar');
    if (task.exitAt !== undefined && task.endAt !== undefined)
      bar(task.exitAt, task.endAt, color, 'merge', 0.55);
    for (const restart of task.restarts) {
      const rx = x(restart.t).toFixed(1);
      parts.push(
        `<path class="${restart.rateLimit ? 'restart rate-limit' : 'restart'}" d="M${rx} ${y + 2} l-4 -2 h8 z M${rx} ${y + 2} v${ROW - 4}" stroke="#bf8700" fill="#bf8700" stroke-width="1.5"><title>${escapeXml(`restarted: ${restart.reason}`)}</title></path>`,
      );
    }
  } else {
    const note =
      task.status === 'Blocked'
        ? `blocked: ${task.reason ?? ''}`
        : task.status === 'Completed'
          ? 'completed before this run'
          : task.status.toLowerCase();
    parts.push(`<text x="${LABEL + 4}" y="${y + 15}" fill="#57606a">${escapeXml(note)}</text>`);
  }
  return `<g class="task" data-id="${escapeXml(task.id)}" data-state="${escapeXml(task.status)}"${task.waitedOn !== undefined ? ` data-waited-on="${escapeXml(task.waitedOn)}"` : ''}><title>${escapeXml(hoverText(task, model))}</title>${parts.join('')}</g>`;
}
