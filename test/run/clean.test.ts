/**
 * `ccglm clean` beside a run (real git, the built CLI, fake agents): it leaves a run in progress
 * alone, and `--logs PLAN` prunes only the jobs that plan's runs made.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bin,
  exitOf,
  makeSandbox,
  plan,
  planTask,
  runSync,
  sandboxEnv,
  spawnRun,
  statuses,
  waitForEvents,
  type Sandbox,
} from './helpers.js';

const sandboxes: Sandbox[] = [];
const runs: ReturnType<typeof spawnRun>[] = [];
afterEach(async () => {
  // A run a failed test left going is stopped before its folder goes.
  for (const run of runs.splice(0))
    if (run.exitCode === null && run.signalCode === null) {
      run.kill('SIGINT');
      const timer = setTimeout(() => run.kill('SIGKILL'), 5000);
      await exitOf(run);
      clearTimeout(timer);
    }
  for (const sb of sandboxes.splice(0)) sb.cleanup();
});

/** A run of the sandbox's plan in the background (stopped after the test). */
function start(sb: Sandbox, extra: string[], env: Record<string, string>) {
  const run = spawnRun(sb, extra, env);
  runs.push(run);
  return run;
}

function sandbox(): Sandbox {
  const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
  sandboxes.push(sb);
  return sb;
}

function clean(sb: Sandbox, ...args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'clean', ...args], {
    encoding: 'utf8',
    env: sandboxEnv(sb),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Resolves once `file` exists (polled). */
async function appears(file: string): Promise<void> {
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('ccglm clean during a run of the plan', () => {
  it('refuses (exit 78, nothing removed): the worktree made ahead for the next task stays', async () => {
    const sb = sandbox();
    const run = start(sb, [], { FAKE_SLEEP_MS_T1: '2500' });
    await waitForEvents(run, 'task.start', 1);
    // T2's worktree, made ahead while T1 runs: no commits yet, so it looks merged.
    const ahead = path.join(sb.worktrees, 'test', 'T2', 'app');
    await appears(ahead);
    for (const extra of [[], ['--dry-run']]) {
      const refused = clean(
        sb,
        sb.plan,
        '--repos',
        sb.dir,
        '--worktree-root',
        sb.worktrees,
        ...extra,
      );
      expect(refused.code).toBe(78);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(
        /^ccglm: nothing removed: .*test-plan\.md is already being run by ccglm \(pid \d+, since .*\); wait for it, or stop it: Ctrl-C in its terminal or kill -INT \d+, then clean again\n$/,
      );
    }
    expect(existsSync(ahead)).toBe(true);
    expect(await exitOf(run)).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
    // After the run, clean works as before.
    expect(clean(sb, sb.plan, '--repos', sb.dir).code).toBe(0);
  });

  it('a worktree made ahead and removed meanwhile (by hand) is made again: the task runs', async () => {
    const sb = sandbox();
    // T2's agent waits a second before it writes: time enough for a removal of its folder.
    const run = start(sb, [], { FAKE_SLEEP_MS_T1: '2500', FAKE_SLEEP_MS_T2: '1000' });
    await waitForEvents(run, 'task.start', 1);
    const ahead = path.join(sb.worktrees, 'test', 'T2', 'app');
    await appears(path.join(ahead, '.git'));
    // Removed once git has finished making it (a worktree being added is locked).
    for (let tries = 0; ; tries += 1) {
      const removed = spawnSync('git', ['worktree', 'remove', '--force', ahead], { cwd: sb.repo });
      if (removed.status === 0) break;
      expect(tries).toBeLessThan(40);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await exitOf(run)).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
  });
});

describe('ccglm clean --logs PLAN', () => {
  it("keeps the jobs of the plan's run in progress, finished ones too", async () => {
    const sb = sandbox();
    const run = start(sb, [], { FAKE_SLEEP_MS_T2: '2500' });
    await waitForEvents(run, 'task.start', 2); // T1 has ended, T2 runs
    const out = clean(sb, '--logs', sb.plan, '--log-dir', sb.logDir, '--older-than', '0');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^kept {4}test-T2-\w+ \(still running\)$/m);
    expect(out.stdout).toMatch(
      /^kept {4}test-T1-\w+ \(the plan's run in progress \(pid \d+\) made it\)$/m,
    );
    expect(out.stdout).toMatch(/\n0 job\(s\) removed .*, 1 running kept, 1 other\(s\) kept\n$/);
    expect(await exitOf(run)).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
  });

  it("removes only the jobs its plan's runs made, not another plan's of the same file name", () => {
    // Two plans named test-plan.md in two folders, their jobs in one log folder: the same job names.
    const a = sandbox();
    const b = { ...sandbox(), logDir: a.logDir };
    const metas = () => new Set(readdirSync(a.logDir).filter((name) => name.endsWith('.meta')));
    expect(runSync(a).status).toBe(0);
    const aJobs = [...metas()];
    expect(runSync(b).status).toBe(0);
    const bJobs = [...metas()].filter((name) => !aJobs.includes(name));
    expect(aJobs).toHaveLength(2);
    expect(bJobs).toHaveLength(2);
    expect(aJobs.map((name) => name.replace(/-\w+\.meta$/, '')).sort()).toEqual([
      'test-T1',
      'test-T2',
    ]);
    // A job of the plan's name whose meta names no plan (`ccglm job start`): whose it is is unknown.
    writeFileSync(path.join(a.logDir, 'test-T9-x.meta'), 'beads=test-T9-x\nlaunch_state=exited\n');

    const out = clean(a, '--logs', a.plan, '--log-dir', a.logDir, '--older-than', '0');
    expect(out.code).toBe(0);
    for (const job of aJobs) expect(out.stdout).toContain(`removed ${job.replace('.meta', '')} (`);
    for (const job of bJobs) expect(out.stdout).not.toContain(job.replace('.meta', ''));
    expect(out.stdout).toContain('kept    test-T9-x (its meta names no plan');
    expect(out.stdout).toMatch(
      /\n2 job\(s\) removed \(.* kB\) from .*, 0 running kept, 1 other\(s\) kept\n$/,
    );
    const left = readdirSync(a.logDir);
    for (const job of aJobs) expect(left).not.toContain(job);
    for (const job of bJobs) expect(left).toContain(job);
    expect(left).toContain('test-T9-x.meta');
    // Each meta names its plan by its real path (the temp folder may be a symlink).
    for (const job of bJobs)
      expect(readFileSync(path.join(a.logDir, job), 'utf8')).toContain(
        `\nplan=${realpathSync(b.plan)}\n`,
      );
  });
});
