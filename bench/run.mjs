#!/usr/bin/env node
// Issue 5's benchmark: a 100-task DAG of depth 8 whose every task is a 1-second fake agent, run by
// `ccglm run` with unlimited concurrency in both strategies and, side by side, by `make -j` over the
// same DAG. Prints makespans, ratios to the critical path (8 s) and to make, and the handoff time
// (a task's last dependency ends -> its agent starts). Run: node bench/run.mjs (after npm run build).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'ccglm.js');
// BENCH_AGENT=node runs the tests' Node fake agent instead (one more Node start-up per task).
const agentCmd =
  process.env.BENCH_AGENT === 'node'
    ? `${process.execPath} ${path.join(root, 'test', 'run', 'fake-agent.mjs')}`
    : `sh ${path.join(root, 'bench', 'agent.sh')}`;
const LEVELS = 8;
const TASKS = Number(process.env.TASKS ?? 100);

/** Deterministic DAG: 8 levels of 12–13 tasks; each task depends on 1–3 tasks of the level before. */
function makeDag() {
  const tasks = [];
  const perLevel = Array.from(
    { length: LEVELS },
    (_, l) => Math.floor(TASKS / LEVELS) + (l < TASKS % LEVELS ? 1 : 0),
  );
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let previous = [];
  for (let level = 0; level < LEVELS; level += 1) {
    const current = [];
    for (let i = 0; i < perLevel[level]; i += 1) {
      const id = `T${tasks.length + 1}`;
      const deps = new Set();
      if (previous.length > 0) {
        const count = 1 + Math.floor(random() * 3);
        for (let k = 0; k < count; k += 1)
          deps.add(previous[Math.floor(random() * previous.length)]);
      }
      tasks.push({ id, deps: [...deps] });
      current.push(id);
    }
    previous = current;
  }
  return tasks;
}

function planText(tasks) {
  const lines = ['# Plan: Bench DAG', '', '## Tasks', ''];
  for (const t of tasks)
    lines.push(
      `### ${t.id}: Task ${t.id}`,
      `- **depends_on**: [${t.deps.join(', ')}]`,
      '- **repo**: app',
      `- **location**: \`${t.id}.txt\``,
      `- **description**: ${t.id}`,
      '- **status**: Not Started',
      '',
    );
  return lines.join('\n');
}

function makeRepo(dir) {
  const repo = path.join(dir, 'app');
  mkdirSync(repo, { recursive: true });
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@example.invalid');
  writeFileSync(path.join(repo, 'README.md'), '# app\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
}

const median = (values) =>
  values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p90 = (values) =>
  values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)];

function runCcglm(tasks, strategy) {
  const dir = mkdtempSync(path.join(tmpdir(), `ccglm-bench-run-${strategy}-`));
  makeRepo(dir);
  const plan = path.join(dir, 'bench-plan.md');
  writeFileSync(plan, planText(tasks));
  const start = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      // BENCH_PROFILE=DIR writes a CPU profile of the run process (and its host) there.
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      bin,
      'run',
      plan,
      '--json',
      '--no-pty',
      '--strategy',
      strategy,
      '--concurrency',
      'unlimited',
      '--agent-cmd',
      agentCmd,
      '--repos',
      dir,
      '--log-dir',
      path.join(dir, 'jobs'),
      '--worktree-root',
      path.join(dir, 'wt'),
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, FAKE_SLEEP_MS: '1000' },
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
  rmSync(dir, { recursive: true, force: true });
  return { makespan, completed, exit: result.status, handoffs, stderr: result.stderr.slice(-500) };
}

function runMake(tasks) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-bench-make-'));
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

const tasks = makeDag();
const critical = LEVELS * 1;
console.log(
  `${tasks.length} tasks, depth ${LEVELS}, 1 s each; critical path ${critical} s; unlimited concurrency (${new Date().toISOString()})`,
);
const make = runMake(tasks);
console.log(
  `  make -j            makespan ${make.toFixed(2)} s   ${(make / critical).toFixed(2)}× critical path`,
);
// BENCH_STRATEGIES=eager runs one strategy only.
for (const strategy of (process.env.BENCH_STRATEGIES ?? 'eager,waves').split(',')) {
  const r = runCcglm(tasks, strategy);
  console.log(
    `  ccglm ${strategy.padEnd(6)}      makespan ${r.makespan.toFixed(2)} s   ${(r.makespan / critical).toFixed(2)}× critical path   ${(r.makespan / make).toFixed(2)}× make   ` +
      `handoff median ${median(r.handoffs).toFixed(0)} ms, p90 ${p90(r.handoffs).toFixed(0)} ms   (${r.completed}/${tasks.length} completed, exit ${r.exit})`,
  );
  if (r.exit !== 0) console.log(`    stderr tail: ${r.stderr}`);
}
console.log('  targets: eager ≤ 1.10× critical path and ≤ 1.10× make; median handoff ≤ 100 ms');
