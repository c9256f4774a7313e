/**
 * `--resume` after a run that died (kill -9) or was detached: durations from the jobs' own ends,
 * the summary's branch read after the last merge, merged task branches and worktrees cleaned as a
 * normal run cleans them, and the dead run's settings reused. Real git, the real CLI, fake agents.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { formatDuration } from '../../src/run/summary.js';
import {
  bin,
  collect,
  exitOf,
  makeSandbox,
  plan,
  planTask,
  processesLeftIn,
  runArgs,
  runsOf,
  runSync,
  runWith,
  sandboxEnv,
  spawnRun,
  statuses,
  waitForEvents,
  type Sandbox,
} from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tmpOf(sb: Sandbox): string {
  const tmp = path.join(sb.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return tmp;
}

function logOf(sb: Sandbox, id: string): string {
  const tasks = parsePlan(readFileSync(sb.plan, 'utf8'), 'p').plan.tasks;
  return tasks.find((task) => task.id === id)?.log ?? '';
}

/** Waits until `count` job outcomes are in the sandbox's log folder. */
async function outcomes(sb: Sandbox, count: number): Promise<void> {
  const written = () => readdirSync(sb.logDir).filter((name) => name.endsWith('.outcome'));
  while (written().length < count) await sleep(50);
}

describe('--resume durations', () => {
  it('a job that ended before --resume adopted it keeps its own duration; the plan and the console say the same', async () => {
    const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
    sandbox = sb;
    const tmp = tmpOf(sb);
    const child = spawnRun(sb, [], { FAKE_SLEEP_MS: '1000', TMPDIR: tmp });
    child.stderr.resume();
    await waitForEvents(child, 'task.start', 1);
    child.kill('SIGKILL');
    await exitOf(child);
    await outcomes(sb, 1);
    await sleep(3000); // the adoption comes long after the job's end
    const resumed = runSync(sb, ['--resume'], { FAKE_SLEEP_MS: '100', TMPDIR: tmp });
    expect(resumed.status).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
    for (const id of ['T1', 'T2']) {
      const end = resumed.events.find((e) => e.type === 'task.end' && e.id === id);
      const ms = Number(end?.durationMs);
      expect(ms, id).toBeLessThan(2500);
      const shown = formatDuration(ms);
      expect(logOf(sb, id), id).toContain(`, agent custom, ${shown}, exit 0`);
      expect(resumed.stderr, id).toContain(`${id.padEnd(8)} Completed  (${shown},`);
    }
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1 });
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });
});

describe('the --detach summary', () => {
  it('a merge under way at Ctrl-C is finished; the summary shows the branch after it', async () => {
    const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', [])]));
    sandbox = sb;
    const tmp = tmpOf(sb);
    // T1's merge (the integration branch's move) takes a second; the test interrupts during it.
    const merging = path.join(sb.dir, 'merging');
    const hook = path.join(sb.repo, '.git', 'hooks', 'reference-transaction');
    writeFileSync(
      hook,
      [
        '#!/bin/sh',
        '[ "$1" = prepared ] || exit 0',
        'while read old new ref; do',
        `  if [ "$ref" = refs/heads/feature-test ] && [ "$old" != ${'0'.repeat(40)} ]; then touch '${merging}'; sleep 1; fi`,
        'done',
        'exit 0',
        '',
      ].join('\n'),
    );
    chmodSync(hook, 0o755);
    const child = spawnRun(sb, ['--detach'], {
      FAKE_SLEEP_MS_T1: '100',
      FAKE_SLEEP_MS_T2: '3000',
      TMPDIR: tmp,
    });
    const stderr = collect(child, 'stderr');
    await waitForEvents(child, 'task.start', 2);
    while (!existsSync(merging)) await sleep(20);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(130);
    const head = execFileSync('git', ['log', '--format=%h %s', '-1', 'feature-test'], {
      cwd: sb.repo,
      encoding: 'utf8',
    }).trim();
    expect(head).toMatch(/ Merge T1: Task T1$/);
    expect(stderr()).toContain(`branch feature-test:\n  ${head}\n`);
    expect(stderr()).toMatch(/T1 {7}Completed/);
    expect(stderr()).toContain('T2       In Progress (left running: --detach)');
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'In Progress' });

    const resumed = runSync(sb, ['--resume'], { TMPDIR: tmp });
    expect(resumed.status).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1 });
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

describe('--resume cleans up as a normal run does', () => {
  it("after kill -9: the dead run's merged task branches and worktrees go; one with changes stays", async () => {
    const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', []), planTask('T3', [])]));
    sandbox = sb;
    const tmp = tmpOf(sb);
    const child = spawnRun(sb, ['--strategy', 'eager'], {
      FAKE_SLEEP_MS: '100',
      FAKE_SLEEP_MS_T2: '2500',
      TMPDIR: tmp,
    });
    child.stderr.resume();
    // T1 and T3 completed and merged; the run dies before removing their worktrees and branches.
    await waitForEvents(child, 'task.end', 2);
    while (Object.values(statuses(sb.plan)).filter((s) => s === 'Completed').length < 2)
      await sleep(10);
    child.kill('SIGKILL');
    await exitOf(child);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'In Progress', T3: 'Completed' });
    expect(git(sb.repo, 'branch', '--list', 'feature-test--*')).toContain('feature-test--T1');
    // Someone works in T3's worktree (made again if the dead run removed it): it is kept.
    const t3 = path.join(sb.worktrees, 'test', 'T3', 'app');
    if (!existsSync(t3)) git(sb.repo, 'worktree', 'add', t3, 'feature-test--T3');
    writeFileSync(path.join(t3, 'notes.txt'), 'mine\n');

    const resumed = runSync(sb, ['--resume', '--strategy', 'eager'], { TMPDIR: tmp });
    expect(resumed.status).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed', T3: 'Completed' });
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1 });
    const branches = git(
      sb.repo,
      'branch',
      '--list',
      'feature-test--*',
      '--format=%(refname:short)',
    );
    expect(branches).toBe('feature-test--T3');
    expect(readdirSync(path.join(sb.worktrees, 'test'))).toEqual(['T3']);
    expect(readFileSync(path.join(t3, 'notes.txt'), 'utf8')).toBe('mine\n');
    // the temp folder's random name may hold "T1": look at the worktree paths under wt/
    expect(git(sb.repo, 'worktree', 'list', '--porcelain')).not.toMatch(/\/T[12]\//);
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });
});

describe("--resume goes on with the dead run's settings", () => {
  it('the fix a refused re-run prints works as typed (the dead run had --agent-cmd, --log-dir, --worktree-root)', async () => {
    const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', []), planTask('T3', ['T1'])]));
    sandbox = sb;
    const tmp = tmpOf(sb);
    // No claude on PATH, no credential; the default log folder is the sandbox's (never /tmp's).
    const defaultLogs = path.join(sb.dir, 'default-jobs');
    const env = sandboxEnv(sb, {
      PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      CC_GLM_LOG_DIR: defaultLogs,
      FAKE_SLEEP_MS: '1500',
      TMPDIR: tmp,
    });
    const child = spawn(process.execPath, runArgs(sb, ['--strategy', 'eager']), {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.resume();
    await waitForEvents(child, 'task.start', 2);
    child.kill('SIGKILL');
    await exitOf(child);

    const plain = runWith([bin, 'run', sb.plan], env);
    expect(plain.status).toBe(78);
    const fix = /fix: ccglm run (--resume \S+)$/m.exec(plain.stderr)?.[1];
    expect(fix).toBe(`--resume ${sb.plan}`);
    const resumed = runWith([bin, 'run', ...String(fix).split(' '), '--json'], {
      ...env,
      FAKE_SLEEP_MS: '100',
    });
    expect(resumed.stderr).not.toContain('FAIL');
    expect(resumed.status).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed', T3: 'Completed' });
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1 });
    // Where the dead run put its jobs and worktrees, with its agent, without a pty, eager.
    const t3 = resumed.events.find((e) => e.type === 'task.start' && e.id === 'T3');
    // T3-2 when the dead run had made T3's worktree ahead before it was killed (its timing).
    expect(path.relative(sb.worktrees, String(t3?.worktree))).toMatch(/^test\/T3(-\d+)?\/app$/);
    expect(readdirSync(sb.logDir).filter((name) => name.startsWith('test-T3-'))).not.toEqual([]);
    expect(existsSync(defaultLogs)).toBe(false);
    expect(logOf(sb, 'T3')).toContain(', agent custom, ');
    expect(resumed.events.find((e) => e.type === 'run.start')).toMatchObject({
      strategy: 'eager',
      resume: true,
    });
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });
});

describe('--resume and a task removed from the plan meanwhile', () => {
  it("its job is not adopted, and the run says where that job's work stays", async () => {
    const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', [])]));
    sandbox = sb;
    const child = spawnRun(sb, ['--detach'], { FAKE_SLEEP_MS: '800' });
    await waitForEvents(child, 'task.start', 2);
    child.kill('SIGINT');
    await exitOf(child);
    const text = readFileSync(sb.plan, 'utf8');
    writeFileSync(sb.plan, text.replace(/### T2[^]*?(?=## Notes)/, ''));
    await sleep(1200); // the detached agents end meanwhile
    const resumed = runSync(sb, ['--resume']);
    expect(resumed.stderr).toMatch(
      /^T2 is no longer in the plan: its job test-T2-\S+ is not adopted; its work, if any, stays on branch feature-test--T2 \(worktree \S+\)$/m,
    );
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed' });
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1 });
  });
});

describe('--resume with nothing to resume', () => {
  it('says so, and runs the plan as a plain run does', () => {
    const sb = makeSandbox(plan([planTask('T1', [])]));
    sandbox = sb;
    const result = runSync(sb, ['--resume']);
    expect(result.stderr).toContain(
      `nothing to resume (no earlier run of ${sb.plan} left jobs): a plain run\n`,
    );
    expect(result.status).toBe(0);
    expect(runsOf(sb)).toEqual({ T1: 1 });
  });
});
