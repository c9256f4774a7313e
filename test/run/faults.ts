/**
 * Fault injection: a small plan is run, and at a random (seeded) moment either the run or its job
 * host is killed with SIGKILL; `--resume` then finishes the plan. Every time: each task Completed
 * exactly once (one merge of it on the integration branch), its work there, no agent started more
 * often than its task had attempts, no process left. Even rounds kill the run
 * (faults-run.test.ts), odd rounds the host (faults-host.test.ts): two files, so the two halves run
 * side by side. Each test run draws a new seed (as fast-check does), so runs add up over time; a
 * failure names its seed and round, and FAULT_SEED replays it. FAULT_RUNS (default 20, both files
 * together) makes longer searches (`FAULT_DEBUG=1` prints each round):
 * `FAULT_RUNS=200 FAULT_SEED=7 npx vitest run test/run/faults-`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import {
  exitOf,
  filesOn,
  makeSandbox,
  plan,
  planTask,
  processesIn,
  processesLeftIn,
  runsOf,
  runSync,
  spawnRun,
  statuses,
  waitForEvents,
  withoutWriteBack,
  type Sandbox,
} from './helpers.js';

const RUNS = Number(process.env['FAULT_RUNS'] ?? 20);
const SEED = Number(process.env['FAULT_SEED'] ?? Math.floor(Math.random() * 10_000));

const fork = plan([planTask('T1', []), planTask('T2', ['T1']), planTask('T3', ['T1'])]);
const ids = ['T1', 'T2', 'T3'];

/** A small seeded generator (mulberry32): the same seed, the same moments. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The run's job hosts: they work in the sandbox's TMPDIR. */
function killHosts(tmp: string): number {
  const hosts = processesIn(tmp).filter((line) => line.includes('host.js --serve'));
  for (const line of hosts) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return hosts.length;
}

/** How many jobs (attempts) each task had: one job id per attempt. */
function attemptsOf(sb: Sandbox): Record<string, number> {
  const attempts: Record<string, number> = {};
  for (const name of readdirSync(sb.logDir)) {
    const match = /^test-(T\d+)-[a-z0-9]+\.meta$/.exec(name);
    if (match?.[1] !== undefined) attempts[match[1]] = (attempts[match[1]] ?? 0) + 1;
  }
  return attempts;
}

async function faultyRun(round: number): Promise<string> {
  const next = random(SEED * 1000 + round);
  const target = round % 2 === 0 ? 'run' : 'host';
  const agentMs = 100 + Math.floor(next() * 200);
  // From the first task's start to a little after the last one's (two levels of agents).
  const delay = Math.floor(next() * (2 * agentMs + 500));
  const sb = makeSandbox(fork);
  const what = `round ${round} (seed ${SEED}): kill the ${target} ${delay} ms after the first start (agents of ${agentMs} ms)`;
  try {
    const tmp = path.join(sb.dir, 'tmp');
    mkdirSync(tmp);
    const env = { FAKE_SLEEP_MS: String(agentMs), TMPDIR: tmp };
    const child = spawnRun(sb, ['--strategy', 'eager'], env);
    child.stderr.resume();
    await waitForEvents(child, 'task.start', 1).catch(() => undefined);
    await sleep(delay);
    if (target === 'run') child.kill('SIGKILL');
    else killHosts(tmp);
    await exitOf(child);
    const killedAt = Date.now();
    // --resume at least once: a run killed in its final cleanup (every task Completed already) left
    // merged branches or worktrees that only --resume (or ccglm clean) removes.
    for (let pass = 0; pass < 3; pass += 1) {
      const done = Object.values(statuses(sb.plan)).every((status) => status === 'Completed');
      if (pass > 0 && done) break;
      const resumed = runSync(sb, ['--resume', '--strategy', 'eager'], env);
      expect(resumed.stderr, what).not.toMatch(/\n\s+at /);
    }
    expect(statuses(sb.plan), what).toEqual({ T1: 'Completed', T2: 'Completed', T3: 'Completed' });
    expect(withoutWriteBack(sb), what).toBe(fork);
    expect(filesOn(sb, 'feature-test'), what).toEqual(['README.md', 'T1.txt', 'T2.txt', 'T3.txt']);
    // Completed exactly once: one merge of each task on the integration branch.
    const merges = execFileSync('git', ['log', '--format=%s', '--merges', 'feature-test'], {
      cwd: sb.repo,
      encoding: 'utf8',
    });
    expect(merges.split('\n').filter(Boolean).sort(), what).toEqual(
      ids.map((id) => `Merge ${id}: Task ${id}`),
    );
    // Every commit a Completed task's log names is on the integration branch.
    for (const task of parsePlan(readFileSync(sb.plan, 'utf8'), 'p').plan.tasks) {
      const commits = /branch \S+: \d+ commit\(s\) — (.*)/.exec(task.log ?? '')?.[1] ?? '';
      const hashes = commits.split('; ').map((commit) => commit.split(' ')[0] ?? '');
      expect(hashes.filter(Boolean).length, `${what}: ${task.id}`).toBeGreaterThan(0);
      for (const hash of hashes)
        execFileSync('git', ['merge-base', '--is-ancestor', hash, 'feature-test'], {
          cwd: sb.repo,
        });
    }
    // No attempt's agent started twice (an agent killed at once may not have counted its start).
    const runs = runsOf(sb);
    const attempts = attemptsOf(sb);
    for (const id of ids)
      expect(runs[id] ?? 0, `${what}: ${id}`).toBeLessThanOrEqual(attempts[id] ?? 0);
    // Cleaned as a normal run cleans: a task branch or worktree is left only with work in it
    // (commits not merged, or changes not committed).
    const out = (...args: string[]) =>
      execFileSync('git', args, { cwd: sb.repo, encoding: 'utf8' }).trim();
    const checkouts = new Map<string, string>();
    for (const block of out('worktree', 'list', '--porcelain').split('\n\n')) {
      const dir = /^worktree (.*)$/m.exec(block)?.[1];
      const branch = /^branch refs\/heads\/(.*)$/m.exec(block)?.[1];
      if (dir !== undefined && branch?.startsWith('feature-test--') === true)
        checkouts.set(branch, dir);
    }
    const left = out('branch', '--list', 'feature-test--*', '--format=%(refname:short)');
    for (const branch of left.split('\n').filter(Boolean)) {
      if (out('branch', '--merged', 'feature-test', '--list', branch) === '') continue;
      const dir = checkouts.get(branch);
      expect(dir, `${what}: ${branch} is merged and has no worktree`).toBeDefined();
      const changes = execFileSync('git', ['status', '--porcelain'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(changes, `${what}: ${branch} is merged and ${dir} is clean`).not.toBe('');
    }
    const resumedIn = Date.now() - killedAt;
    expect(await processesLeftIn(sb.dir), what).toEqual([]);
    return `${what}: ${JSON.stringify(runs)} resumed in ${resumedIn} ms`;
  } finally {
    sb.cleanup();
  }
}

/** The rounds of this seed that kill `target`, each in turn. */
export function faultRounds(target: 'run' | 'host'): void {
  const rounds = Array.from({ length: RUNS }, (_, round) => round).filter(
    (round) => (round % 2 === 0 ? 'run' : 'host') === target,
  );
  describe('fault injection', () => {
    it(
      `kills the ${target} at random moments across ${rounds.length} runs of a 3-task plan; --resume finishes each`,
      async () => {
        const seen: string[] = [];
        for (const round of rounds) {
          const t0 = Date.now();
          seen.push(await faultyRun(round));
          if (process.env['FAULT_DEBUG']) console.log(Date.now() - t0, seen.at(-1));
        }
        expect(seen).toHaveLength(rounds.length);
      },
      rounds.length * 15_000,
    );
  });
}
