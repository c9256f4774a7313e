#!/usr/bin/env node
// Issue 15's benchmark: the per-task cost of running a task on a target instead of here. The same
// plan of TASKS (default 20) one-second tasks without dependencies is run by `ccglm run` (default
// settings, unlimited concurrency) once on this machine and once with `--target bench`, a real sshd
// on loopback (scripts/sshd.mjs; the target's ccglm is this checkout's, its agent the same
// one-second script), alternately, BENCH_REPEAT times (default 3; medians). Prints the makespans,
// and per task: start (task launched -> its job running: here a worktree and the job host; there a
// push, a worktree, the prompt and `ccglm job start` over SSH) and end to end (launched -> merged
// here) beyond the agent's 1 s. Needs root and /usr/sbin/sshd (apt-get install openssh-server).
// Run: npm run build && node bench/targets.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchPlan, independent, makeRepo } from './gen-plan.mjs';
import { ccglmRunArgs } from './run-args.mjs';
import { installCcglm, sshdMissing, startSshd } from '../scripts/sshd.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'ccglm.js');
const agent = path.join(root, 'bench', 'agent.sh');
const TASKS = Number(process.env.TASKS ?? 20);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

const missing = sshdMissing();
if (missing !== undefined) {
  console.error(`bench/targets.mjs needs a local sshd: ${missing}`);
  process.exit(1);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};
const p90 = (values) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.9) - 1];

const base = mkdtempSync(path.join(tmpdir(), 'ccglm-bench-targets-'));
const server = await startSshd(path.join(base, 'sshd'), 'bench');
try {
  installCcglm(server.home);
  const workdir = path.join(server.home, 'work');
  mkdirSync(workdir, { recursive: true });
  // The target's own agent (its ccglm.config.json, above the task worktrees): the same script. A
  // job there has no CCGLM_TASK_ID: the script names its file after the prompt file (the job id).
  writeFileSync(
    path.join(workdir, 'ccglm.config.json'),
    JSON.stringify({
      defaultAgent: 'bench',
      agents: {
        bench: {
          description: 'the benchmark agent',
          command: 'sh',
          args: ['-c', `CCGLM_TASK_ID=$(basename "$CCGLM_PROMPT_FILE" .txt) exec sh ${agent}`],
          prompt: 'file',
          auth: 'none',
        },
      },
    }),
  );
  const sides = { here: [], target: [] };
  for (let round = 0; round < REPEAT; round += 1)
    for (const side of round % 2 === 0 ? ['here', 'target'] : ['target', 'here'])
      sides[side].push(runOnce(side, server, workdir, round));
  const report = (side) => {
    const runs = sides[side];
    const all = (key) => runs.flatMap((run) => run[key]);
    return {
      makespan: median(runs.map((run) => run.makespan)),
      runs: runs.map((run) => (run.makespan / 1000).toFixed(2)).join(', '),
      startMedian: median(all('start')),
      startP90: p90(all('start')),
      beyondMedian: median(all('beyond')),
      beyondP90: p90(all('beyond')),
      completed: runs.map((run) => run.completed).join('/'),
    };
  };
  const here = report('here');
  const there = report('target');
  console.log(
    `${TASKS} one-second tasks, no dependencies, unlimited concurrency; median of ${REPEAT} (${new Date().toISOString()})`,
  );
  for (const [label, r] of [
    ['this machine', here],
    ['target (sshd on loopback)', there],
  ])
    console.log(
      `  ${label.padEnd(26)} makespan ${(r.makespan / 1000).toFixed(2)} s (runs: ${r.runs}); per task: start median ${r.startMedian} ms, p90 ${r.startP90}; end to end beyond the agent's 1 s: median ${r.beyondMedian} ms, p90 ${r.beyondP90} (completed ${r.completed} of ${TASKS})`,
    );
  console.log(
    `  remote over local, per task: start +${there.startMedian - here.startMedian} ms, end to end +${there.beyondMedian - here.beyondMedian} ms (medians); makespan ${(there.makespan / here.makespan).toFixed(2)}×`,
  );
} finally {
  await server.stop();
  rmSync(base, { recursive: true, force: true });
}

function runOnce(side, sshd, workdir, round) {
  const dir = path.join(base, `${side}-${round}`);
  mkdirSync(dir, { recursive: true });
  makeRepo(dir);
  const plan = path.join(dir, 'bench-plan.md');
  writeFileSync(plan, benchPlan('Bench targets', independent(TASKS)));
  const targets = {
    bench: {
      ssh: sshd.host,
      transport: sshd.transport,
      workdir,
      ccglm: path.join(sshd.home, 'bin', 'ccglm'),
    },
  };
  writeFileSync(path.join(dir, 'ccglm.config.json'), JSON.stringify({ targets }));
  const args = ccglmRunArgs({
    bin,
    plan,
    dir,
    strategy: 'eager',
    agentCmd: `sh ${agent}`,
    flags: side === 'target' ? ['--target', 'bench'] : [],
  });
  const result = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, HOME: path.join(dir, 'home'), XDG_STATE_HOME: path.join(dir, 'state') },
    maxBuffer: 64 << 20,
  });
  const events = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  const at = (type) => new Map(events.filter((e) => e.type === type).map((e) => [e.id, e.t]));
  const [launch, start, end] = ['task.launch', 'task.start', 'task.end'].map(at);
  const runStart = events.find((e) => e.type === 'run.start')?.t ?? NaN;
  const runEnd = events.find((e) => e.type === 'run.end')?.t ?? NaN;
  const ids = [...launch.keys()];
  const completed = events.filter((e) => e.type === 'task.end' && e.status === 'Completed').length;
  if (completed !== TASKS)
    console.error(
      `${side} run ${round}: ${completed} of ${TASKS} completed\n${result.stderr.slice(-2000)}`,
    );
  return {
    makespan: runEnd - runStart,
    start: ids.map((id) => start.get(id) - launch.get(id)),
    beyond: ids.map((id) => end.get(id) - launch.get(id) - 1000),
    completed,
  };
}
