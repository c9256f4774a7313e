#!/usr/bin/env node
// Issue 5's benchmark: a 100-task DAG of depth 8 whose every task is a 1-second fake agent, run by
// `ccglm run` with unlimited concurrency in both strategies and, side by side, by `make -j` over the
// same DAG. Prints makespans, ratios to the critical path (8 s) and to make, and the handoff time
// (a task's last dependency ends -> its agent starts). Run: node bench/run.mjs (after npm run build).
// Knobs (environment): TASKS=N (default 100), BENCH_REPEAT=N (median of N, default 3),
// BENCH_STRATEGIES=eager|waves|eager,waves, BENCH_MAKE=skip,
// BENCH_VARIANTS=default,tmpfs,no-pty,pty (default: `default`: ccglm's default settings, files on
// /tmp; `tmpfs`: files on /dev/shm; `no-pty`/`pty`: that flag, files on /tmp),
// BENCH_BASELINE=DIR (another checkout, built: its CLI runs the same variants side by side),
// BENCH_AGENT=tests, BENCH_COMMIT=after (the agent commits after its second, not during it: see
// bench/agent.sh), BENCH_DETAIL=1 (where the time goes), BENCH_PROFILE=DIR (CPU profile of the run),
// BENCH_EVENTS=DIR (each run's events kept there). Each ccglm line is followed by the live view's ETA
// error once the first and the second wave had ended.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchPlan, LEVELS, makeDag, makeRepo } from './gen-plan.mjs';
import { Progress } from '../dist/report/progress.js';
import { ccglmRunArgs } from './run-args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'ccglm.js');
// BENCH_AGENT=tests runs the tests' fake agent instead (it records each run; no second of work).
const agentCmd =
  process.env.BENCH_AGENT === 'tests'
    ? `sh ${path.join(root, 'test', 'run', 'fake-agent.sh')}`
    : `sh ${path.join(root, 'bench', 'agent.sh')}`;
// Where the repos, worktrees and job files go: /tmp by default (where a user's are), a tmpfs
// (/dev/shm) in the `tmpfs` variant (on these VMs /tmp is ext4 without a journal, where creating a
// file right after deleting many scans the inode table: git's lock files and worktrees pay for it).
const diskRoot = process.env.BENCH_DIR ?? '/tmp';
const tmpfsRoot = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const variants = (process.env.BENCH_VARIANTS ?? 'default').split(',');
const variantSetup = (variant) => ({
  root: variant === 'tmpfs' ? tmpfsRoot : diskRoot,
  flags: variant === 'no-pty' ? ['--no-pty'] : variant === 'pty' ? ['--pty'] : [],
});
const sides = [{ label: 'ccglm', bin }];
if (process.env.BENCH_BASELINE)
  sides.push({
    label: 'baseline',
    bin: path.join(path.resolve(process.env.BENCH_BASELINE), 'bin', 'ccglm.js'),
  });
const TASKS = Number(process.env.TASKS ?? 100);

const median = (values) =>
  values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p90 = (values) =>
  values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)];

function runCcglm(tasks, strategy, side, variant) {
  const { root: benchRoot, flags } = variantSetup(variant);
  const dir = mkdtempSync(path.join(benchRoot, `ccglm-bench-run-${strategy}-`));
  makeRepo(dir);
  const plan = path.join(dir, 'bench-plan.md');
  writeFileSync(plan, benchPlan('Bench DAG', tasks));
  const start = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      // BENCH_PROFILE=DIR writes a CPU profile of the `ccglm run` process there.
      ...(process.env.BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
        : []),
      ...ccglmRunArgs({ bin: side.bin, plan, dir, strategy, agentCmd, flags }),
    ],
    {
      encoding: 'utf8',
      // BENCH_DETAIL=1: the agents print their clock, and a line says where the time goes (two
      // `date` processes per task: a little slower).
      env: {
        ...process.env,
        FAKE_SLEEP_MS: '1000',
        BENCH_STAMPS: process.env.BENCH_DETAIL === '1' ? '1' : '0',
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const makespan = (Date.now() - start) / 1000;
  const events = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const ends = new Map(events.filter((e) => e.type === 'task.end').map((e) => [e.id, e]));
  const starts = new Map(events.filter((e) => e.type === 'task.start').map((e) => [e.id, e]));
  const handoffs = [];
  for (const t of tasks) {
    if (t.deps.length === 0 || !starts.has(t.id)) continue;
    const lastDepEnd = Math.max(...t.deps.map((d) => ends.get(d)?.t ?? NaN));
    handoffs.push(starts.get(t.id).t - lastDepEnd);
  }
  const completed = [...ends.values()].filter((e) => e.status === 'Completed').length;
  // Where the time goes, from the agents' own clock lines in their job logs (sh agent only).
  const agentTimes = new Map();
  for (const [id, start] of starts) {
    try {
      const log = readFileSync(path.join(dir, 'jobs', `${start.job}.log`), 'utf8');
      const at = (word) => Number(new RegExp(`bench-agent ${word} (\\d+)`).exec(log)?.[1]);
      const outcomeAt = statSync(path.join(dir, 'jobs', `${start.job}.outcome`)).mtimeMs;
      agentTimes.set(id, { start: at('start'), end: at('end'), outcome: outcomeAt });
    } catch {
      // no log: not counted
    }
  }
  const detail = {
    // dependency's task.end -> the dependent's agent printed its first line
    launch: [],
    // the agent's last line -> its task.end (outcome noticed, commits read, merged, plan written)
    finish: [],
    // the agent's own run beyond its 1 s sleep (shell, git add, git commit)
    agentExtra: [],
    // the agent's last line -> its job's outcome file written by the host
    outcome: [],
  };
  for (const t of tasks) {
    const a = agentTimes.get(t.id);
    if (a === undefined || Number.isNaN(a.start)) continue;
    if (t.deps.length > 0)
      detail.launch.push(a.start - Math.max(...t.deps.map((d) => ends.get(d)?.t ?? NaN)));
    if (ends.has(t.id) && !Number.isNaN(a.end)) {
      detail.finish.push(ends.get(t.id).t - a.end);
      detail.outcome.push(a.outcome - a.end);
    }
    if (!Number.isNaN(a.end)) detail.agentExtra.push(a.end - a.start - 1000);
  }
  // The chain that set the makespan: from the last task to end, back through its latest-ending dependency.
  const byId = new Map(tasks.map((t) => [t.id, t]));
  let at = [...ends.values()].sort((a, b) => b.t - a.t)[0]?.id;
  detail.chain = [];
  while (at !== undefined) {
    const t = byId.get(at);
    const a = agentTimes.get(at);
    const dep = [...t.deps].sort((x, y) => (ends.get(y)?.t ?? 0) - (ends.get(x)?.t ?? 0))[0];
    detail.chain.unshift({
      id: at,
      launch: dep !== undefined && a !== undefined ? a.start - ends.get(dep).t : NaN,
      finish: a !== undefined ? ends.get(at).t - a.end : NaN,
    });
    at = dep;
  }
  const runStart = events.find((e) => e.type === 'run.start')?.t ?? NaN;
  const lastEnd = Math.max(...[...ends.values()].map((e) => e.t));
  const firstAgent = Math.min(...[...agentTimes.values()].map((a) => a.start));
  detail.edges = {
    toRunStart: runStart - start,
    toFirstAgent: firstAgent - runStart,
    afterLastEnd: start + makespan * 1000 - lastEnd,
  };
  // The agents' own critical path: the longest chain of their measured run times (1 s of sleep, plus
  // the shell and their own commit), i.e. the makespan with no scheduler at all.
  const finishAt = new Map();
  for (const t of tasks) {
    const a = agentTimes.get(t.id);
    const own = a !== undefined && !Number.isNaN(a.end - a.start) ? a.end - a.start : 1000;
    finishAt.set(t.id, own + Math.max(0, ...t.deps.map((d) => finishAt.get(d) ?? 0)));
  }
  detail.agentsPath = Math.max(...finishAt.values()) / 1000;
  // BENCH_EVENTS=DIR keeps each run's events (NDJSON) there, for a look at where an ETA went wrong.
  if (process.env.BENCH_EVENTS)
    writeFileSync(
      path.join(process.env.BENCH_EVENTS, `${strategy}-${variant}-${start}.events.jsonl`),
      events.map((e) => JSON.stringify(e)).join('\n') + '\n',
    );
  // The live view's ETA once the first and the second wave had ended, against the time then left.
  const eta = [0, 1].map((wave) => etaAfterWave(events, wave));
  // A failed run's files stay, for a look at why (their folder is in the stderr line printed).
  if (result.status === 0) rmSync(dir, { recursive: true, force: true });
  return {
    makespan,
    completed,
    exit: result.status,
    handoffs,
    eta,
    detail,
    stderr: result.stderr.slice(-500),
  };
}

/** The ETA the live view showed when wave `wave` (0 first) had ended, and the time that was left. */
function etaAfterWave(events, wave) {
  const ids = new Set(events.find((e) => e.type === 'run.start')?.waves[wave] ?? []);
  const cut = events.findLastIndex((e) => e.type === 'task.end' && ids.has(e.id));
  const lastEnd = events.findLast((e) => e.type === 'task.end');
  if (cut < 0 || lastEnd === undefined) return NaN;
  const progress = new Progress();
  for (const event of events.slice(0, cut + 1)) progress.onEvent(event);
  const left = lastEnd.t - events[cut].t;
  return (progress.remainingMs(events[cut].t) - left) / left;
}

function runMake(tasks) {
  const dir = mkdtempSync(path.join(diskRoot, 'ccglm-bench-make-'));
  const lines = [`all: ${tasks.map((t) => `${t.id}.done`).join(' ')}`, ''];
  for (const t of tasks)
    lines.push(
      `${t.id}.done: ${t.deps.map((d) => `${d}.done`).join(' ')}`,
      '\tsleep 1 && touch $@',
      '',
    );
  writeFileSync(path.join(dir, 'Makefile'), lines.join('\n'));
  const start = Date.now();
  execFileSync('make', ['-j', '-s', '-C', dir], { stdio: 'ignore' });
  const makespan = (Date.now() - start) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return makespan;
}

const tasks = makeDag(TASKS);
const critical = LEVELS * 1;
// Each configuration runs BENCH_REPEAT times (default 3), interleaved with the others so a noisy
// neighbour on the shared 2-core VM hits all alike, and is judged by its median run.
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));
const strategies = (process.env.BENCH_STRATEGIES ?? 'eager,waves').split(',');
console.log(
  `${tasks.length} tasks, depth ${LEVELS}, 1 s each; critical path ${critical} s; unlimited concurrency; ` +
    `make in ${diskRoot}; median of ${repeat} (${new Date().toISOString()})`,
);
const configs = [];
for (const side of sides)
  for (const variant of variants)
    for (const strategy of strategies) configs.push({ side, variant, strategy, runs: [] });
const makes = [];
for (let i = 0; i < repeat; i += 1) {
  // BENCH_MAKE=skip leaves make out (quick comparisons of ccglm alone).
  if (process.env.BENCH_MAKE !== 'skip') makes.push(runMake(tasks));
  for (const c of configs) c.runs.push(runCcglm(tasks, c.strategy, c.side, c.variant));
}
const list = (values) => values.map((v) => v.toFixed(2)).join(', ');
const make = makes.length > 0 ? median(makes) : NaN;
if (makes.length > 0)
  console.log(
    `  make -j                        makespan ${make.toFixed(2)} s   ${(make / critical).toFixed(2)}× critical path   (runs: ${list(makes)})`,
  );
for (const { side, variant, strategy, runs: all } of configs) {
  const r = [...all].sort((a, b) => a.makespan - b.makespan)[Math.floor(all.length / 2)];
  const name = `${side.label} ${variant} ${strategy}`;
  const where = variantSetup(variant).root;
  console.log(
    `  ${name.padEnd(30)} makespan ${r.makespan.toFixed(2)} s   ${(r.makespan / critical).toFixed(2)}× critical path   ${makes.length > 0 ? `${(r.makespan / make).toFixed(2)}× make   ` : ''}` +
      `handoff median ${median(r.handoffs).toFixed(0)} ms, p90 ${p90(r.handoffs).toFixed(0)} ms   (${r.completed}/${tasks.length} completed, exit ${r.exit}; ${where}; runs: ${list(all.map((x) => x.makespan))})`,
  );
  const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
  console.log(
    `    ETA error once wave 1 / wave 2 had ended: ${all.map((x) => `${pct(x.eta[0])} / ${pct(x.eta[1])}`).join(', ')} (target: within 20 % after wave 1)`,
  );
  if (r.detail.finish.length > 0)
    console.log(
      `    median ms: dependency end -> agent's first line ${median(r.detail.launch).toFixed(0)}; ` +
        `agent's last line -> outcome ${median(r.detail.outcome).toFixed(0)} -> task end ${median(r.detail.finish).toFixed(0)}; agent beyond its 1 s ${median(r.detail.agentExtra).toFixed(0)}`,
    );
  if (r.detail.chain?.length > 0 && process.env.BENCH_DETAIL === '1') {
    console.log(
      `    ms: process start -> run.start ${r.detail.edges.toRunStart.toFixed(0)}; -> first agent ${r.detail.edges.toFirstAgent.toFixed(0)}; last task end -> exit ${r.detail.edges.afterLastEnd.toFixed(0)}`,
    );
    console.log(
      `    the agents' own critical path (their measured run times): ${r.detail.agentsPath.toFixed(2)} s; makespan / that: ${(r.makespan / r.detail.agentsPath).toFixed(2)}×`,
    );
    console.log(
      `    critical chain (launch+finish ms): ${r.detail.chain.map((c) => `${c.id} ${c.launch.toFixed(0)}+${c.finish.toFixed(0)}`).join(', ')}`,
    );
  }
  for (const x of all)
    if (x.exit !== 0)
      console.log(`    a run exited ${x.exit}: ${x.stderr.split('\n').slice(-3).join(' ')}`);
}
console.log('  targets: eager ≤ 1.10× critical path and ≤ 1.10× make; median handoff ≤ 100 ms');
