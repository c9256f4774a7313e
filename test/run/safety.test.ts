/**
 * Issue 12, the run's side: output that goes away, Ctrl-C with and without --detach, a merge that
 * fails after the agent completed, and a job host killed mid-run. Real git, the real CLI as a child
 * process, fake agents; every test counts agent starts and scans the process table.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { patchPlan } from '../../src/plan/patch.js';
import {
  collect,
  exitOf,
  filesOn,
  makeSandbox,
  fakeAgent,
  plan,
  planTask,
  processesIn,
  processesLeftIn,
  runArgs,
  runsOf,
  runSync,
  sandboxEnv,
  spawnRun,
  statuses,
  threeWaves,
  waitForEvents,
  withoutWriteBack,
  type Sandbox,
} from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

/** A temp folder of the sandbox's own as TMPDIR: the job host and the spawner work there, so a scan of the sandbox finds them too. */
function tmpOf(sb: Sandbox): string {
  const tmp = path.join(sb.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return tmp;
}

function logOf(sb: Sandbox, id: string): string {
  const tasks = parsePlan(readFileSync(sb.plan, 'utf8'), 'p').plan.tasks;
  return tasks.find((task) => task.id === id)?.log ?? '';
}

/** Every task of `threeWaves` Completed, its work on the integration branch, the plan otherwise as written. */
function expectFinished(sb: Sandbox): void {
  expect(Object.values(statuses(sb.plan))).toEqual([
    'Completed',
    'Completed',
    'Completed',
    'Completed',
  ]);
  expect(withoutWriteBack(sb)).toBe(threeWaves);
  expect(filesOn(sb, 'feature-test')).toEqual([
    'README.md',
    'T1.txt',
    'T2.txt',
    'T3.txt',
    'T4.txt',
  ]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until these tasks' fake agents have counted their start (they run their own code now). */
async function agentsAtWork(sb: Sandbox, ids: string[]): Promise<void> {
  while (!ids.every((id) => (runsOf(sb)[id] ?? 0) > 0)) await sleep(25);
}

describe('output that goes away', () => {
  it('a closed stdout and stderr (| head -2) silence the run; it goes on to its end', async () => {
    const sb = makeSandbox(threeWaves);
    sandbox = sb;
    const tmp = tmpOf(sb);
    const child = spawnRun(sb, [], { FAKE_SLEEP_MS: '300', TMPDIR: tmp });
    // As `head -2` does: read two lines, then close the pipe's end.
    await waitForEvents(child, 'task.start', 1);
    child.stdout.destroy();
    child.stderr.destroy();
    expect(await exitOf(child)).toBe(0);
    expectFinished(sb);
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1, T4: 1 });
    // No temp file outlives the run (the merge commits' text went through one).
    expect(readdirSync(tmp).filter((name) => name.startsWith('ccglm-commit-'))).toEqual([]);
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });
});

describe('Ctrl-C', () => {
  it('--detach: exits within a second, releases the lock, leaves the jobs running; --resume finishes', async () => {
    const sb = makeSandbox(threeWaves);
    sandbox = sb;
    const tmp = tmpOf(sb);
    const child = spawnRun(sb, ['--detach'], { FAKE_SLEEP_MS: '2500', TMPDIR: tmp });
    const stderr = collect(child, 'stderr');
    await waitForEvents(child, 'task.start', 2);
    const signalledAt = Date.now();
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(130);
    expect(Date.now() - signalledAt).toBeLessThan(1500);
    // No run lock is left; the job host, which lives on, may be updating a job's meta just now.
    const locks = readdirSync(sb.logDir).filter((name) => name.endsWith('.lock'));
    expect(locks.filter((name) => !name.endsWith('.meta.lock'))).toEqual([]);
    // Both agents work on in their worktrees.
    expect(processesIn(sb.worktrees).filter((p) => p.includes('fake-agent')).length).toBe(2);
    expect(statuses(sb.plan)).toEqual({
      T1: 'In Progress',
      T2: 'In Progress',
      T3: 'Not Started',
      T4: 'Not Started',
    });
    expect(logOf(sb, 'T1')).toMatch(
      /^job test-T1-\S+ left running \(--detach\) in \S+; ccglm run --resume \S+ adopts it$/,
    );
    expect(stderr()).toContain('T1       In Progress (left running: --detach)');
    expect(stderr()).toContain(
      `not ready to push: 2 job(s) still running; ccglm run --resume ${sb.plan} adopts them`,
    );
    expect(stderr()).not.toContain('gh pr create');

    const resumed = runSync(sb, ['--resume'], { FAKE_SLEEP_MS: '200', TMPDIR: tmp });
    expect(resumed.status).toBe(0);
    const adopted = resumed.events.filter((e) => e.type === 'task.start' && e.adopted === true);
    expect(adopted.map((e) => e.id).sort()).toEqual(['T1', 'T2']);
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1, T4: 1 });
    expectFinished(sb);
    expect(resumed.stderr).toContain('gh pr create');
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });

  it('a closed terminal (SIGHUP) detaches the run: the jobs go on, the plan says so, --resume finishes', async () => {
    const sb = makeSandbox(threeWaves);
    sandbox = sb;
    const tmp = tmpOf(sb);
    const child = spawnRun(sb, [], { FAKE_SLEEP_MS: '2000', TMPDIR: tmp });
    await waitForEvents(child, 'task.start', 2);
    await agentsAtWork(sb, ['T1', 'T2']);
    child.kill('SIGHUP');
    expect(await exitOf(child)).toBe(129);
    expect(processesIn(sb.worktrees).filter((p) => p.includes('fake-agent')).length).toBe(2);
    expect(logOf(sb, 'T1')).toMatch(
      /^job test-T1-\S+ left running \(its terminal closed\) in \S+; ccglm run --resume \S+ adopts it$/,
    );
    const resumed = runSync(sb, ['--resume'], { FAKE_SLEEP_MS: '200', TMPDIR: tmp });
    expect(resumed.status).toBe(0);
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1, T4: 1 });
    expectFinished(sb);
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });

  /**
   * The run in its own process group, as in a terminal (a Ctrl-C reaches the run and its git
   * commands), with a git whose `args` take a second: the Ctrl-C lands while one runs.
   */
  function runWithSlowGit(sb: Sandbox, args: string) {
    const bin = path.join(sb.dir, 'slow-git');
    mkdirSync(bin);
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      path.join(bin, 'git'),
      `#!/bin/sh\ncase " $* " in *" ${args} "*) touch "${bin}/slow"; sleep 1 ;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const env = sandboxEnv(sb, { PATH: `${bin}:${process.env['PATH'] ?? ''}` });
    const child = spawn(process.execPath, runArgs(sb), {
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    /** Resolves once a slow git command runs. */
    const slow = async () => {
      while (!existsSync(path.join(bin, 'slow'))) await sleep(20);
    };
    return { child, stderr: collect(child, 'stderr'), slow };
  }

  it("Ctrl-C while a task's worktree is made (its git dies too): no agent starts, no task fails, the plan is unchanged", async () => {
    const sb = makeSandbox(threeWaves);
    sandbox = sb;
    const { child, stderr, slow } = runWithSlowGit(sb, 'worktree add');
    await slow();
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exitOf(child)).toBe(130);
    expect(stderr()).not.toContain('could not prepare');
    expect(stderr()).not.toContain(' started (wave');
    expect(runsOf(sb)).toEqual({});
    expect(readFileSync(sb.plan, 'utf8')).toBe(threeWaves);
  });

  it('Ctrl-C during the preflight (its git dies too) is said as such, not as a failed check', async () => {
    const sb = makeSandbox(threeWaves);
    sandbox = sb;
    const { child, stderr, slow } = runWithSlowGit(sb, 'var GIT_AUTHOR_IDENT');
    await slow();
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exitOf(child)).toBe(130);
    expect(stderr()).toBe(
      'ccglm: interrupted (SIGINT) before anything started; nothing was started and the plan was not changed\n',
    );
    expect(runsOf(sb)).toEqual({});
    expect(readFileSync(sb.plan, 'utf8')).toBe(threeWaves);
  });

  it('a second Ctrl-C kills every agent at once, records them and exits 130', async () => {
    const sb = makeSandbox(threeWaves);
    sandbox = sb;
    const tmp = tmpOf(sb);
    // Agents that ignore TERM: only the second Ctrl-C's KILL ends them before their grace is over.
    const child = spawnRun(sb, [], {
      FAKE_SLEEP_MS: '30000',
      FAKE_IGNORE_TERM: '1',
      TMPDIR: tmp,
    });
    const stderr = collect(child, 'stderr');
    await waitForEvents(child, 'task.start', 2);
    await agentsAtWork(sb, ['T1', 'T2']); // and ignoring TERM
    const signalledAt = Date.now();
    child.kill('SIGINT');
    await sleep(100);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(130);
    expect(Date.now() - signalledAt).toBeLessThan(1500);
    expect(await processesLeftIn(sb.dir)).toEqual([]);
    expect(stderr()).toContain(
      `stopped at once: 2 agent(s) killed, recorded as Failed in ${sb.plan}; ccglm run ${sb.plan} --agent-cmd '${fakeAgent}' --repos ${sb.dir} starts them again`,
    );
    expect(statuses(sb.plan)).toEqual({
      T1: 'Failed',
      T2: 'Failed',
      T3: 'Not Started',
      T4: 'Not Started',
    });
    expect(logOf(sb, 'T1')).toMatch(/^job test-T1-\S+: interrupted \(SIGINT twice\); its agent/);
    expect(withoutWriteBack(sb)).toBe(threeWaves);
    expect(readdirSync(sb.logDir).filter((name) => name.endsWith('.lock'))).toEqual([]);
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1 });
  });
});

describe('a failed merge is not a failed agent', () => {
  it('a locked ref: the agent completes, the merge fails; the next run merges without the agent', async () => {
    const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
    sandbox = sb;
    const tmp = tmpOf(sb);
    execFileSync('git', ['branch', 'feature-test'], { cwd: sb.repo });
    const lock = path.join(sb.repo, '.git', 'refs', 'heads', 'feature-test.lock');
    writeFileSync(lock, '');
    const first = runSync(sb, [], { FAKE_SLEEP_MS: '100', TMPDIR: tmp });
    expect(first.status).toBe(1);
    expect(statuses(sb.plan)).toEqual({ T1: 'Failed', T2: 'Blocked' });
    const failed = logOf(sb, 'T1');
    expect(failed).toMatch(
      /agent completed; merge failed: .*feature-test\.lock': File exists\.?; re-run retries the merge$/,
    );
    expect(failed).toContain('branch feature-test--T1: 1 commit(s)');
    expect(first.stderr).toContain('not ready to push: 2 task(s) not completed');
    expect(first.stderr).not.toContain('gh pr create');
    expect(
      execFileSync('git', ['log', '--format=%s', '-1', 'feature-test--T1'], {
        cwd: sb.repo,
        encoding: 'utf8',
      }),
    ).toBe('T1: work\n');

    rmSync(lock);
    const second = runSync(sb, [], { FAKE_SLEEP_MS: '100', TMPDIR: tmp });
    expect(second.status).toBe(0);
    expect(second.events.find((e) => e.type === 'task.start' && e.id === 'T1')).toMatchObject({
      mergeRetry: true,
    });
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1 });
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
    expect(logOf(sb, 'T1')).toMatch(
      /^merge retried: merged into feature-test \(the agent was not run again\)\n/,
    );
    expect(filesOn(sb, 'feature-test')).toEqual(['README.md', 'T1.txt', 'T2.txt']);
    expect(await processesLeftIn(sb.dir)).toEqual([]);
    // Nothing is left under the worktree root, not even empty folders.
    expect(readdirSync(sb.worktrees)).toEqual([]);
  });

  it('a conflict: --resume retries the merge, not the agent; set Not Started to run the agent again', () => {
    const original = plan([
      planTask('T1', [], ['shared.txt']),
      planTask('T2', [], ['shared.txt']),
      planTask('T3', ['T1']),
    ]);
    const sb = makeSandbox(original);
    sandbox = sb;
    const env = {
      FAKE_FILE_T1: 'shared.txt',
      FAKE_FILE_T2: 'shared.txt',
      FAKE_SLEEP_MS: '300',
      TMPDIR: tmpOf(sb),
    };
    const first = runSync(sb, ['--concurrency', '2'], env);
    expect(first.status).toBe(1);
    const failed = String(
      first.events.find((e) => e.type === 'task.end' && e.status === 'Failed')?.id,
    );
    expect(logOf(sb, failed)).toMatch(
      /agent completed; merge failed: merge conflict in shared\.txt .*; resolve it on the task's branch \(in its worktree: git merge feature-test, fix, commit\), then re-run: it retries the merge, not the agent$/,
    );
    const runs = runsOf(sb);

    const second = runSync(sb, ['--resume'], env);
    expect(second.status).toBe(1);
    expect(runsOf(sb)).toEqual(runs);
    const again = second.events.find((e) => e.type === 'task.end' && e.id === failed);
    expect(String(again?.reason)).toMatch(/^merge failed again: merge conflict in shared\.txt/);
    expect(logOf(sb, failed)).toMatch(
      /^merge retried \(the agent was not run again\): failed again\n/,
    );

    // The user asks for the agent again (from the integration branch as it is now).
    writeFileSync(
      sb.plan,
      patchPlan(readFileSync(sb.plan, 'utf8'), [{ taskId: failed, status: 'Not Started' }]),
    );
    const third = runSync(sb, [], { ...env, FAKE_SLEEP_MS: '100' });
    expect(third.status).toBe(0);
    expect(Object.values(statuses(sb.plan))).toEqual(['Completed', 'Completed', 'Completed']);
    expect(runsOf(sb)[failed]).toBe((runs[failed] ?? 0) + 1);
    expect(withoutWriteBack(sb)).toBe(original);
    // The conflicting attempt's branch, with its commit, is kept.
    expect(
      execFileSync('git', ['branch', '--list', `feature-test--${failed}*`], {
        cwd: sb.repo,
        encoding: 'utf8',
      }),
    ).toContain(`feature-test--${failed}\n`);
  });
});

describe('the job host is no single point of failure', () => {
  it('kill -9 of the host mid-run: the run notices, records the truth; --resume finishes', async () => {
    const sb = makeSandbox(threeWaves);
    sandbox = sb;
    const tmp = tmpOf(sb);
    const child = spawnRun(sb, [], { FAKE_SLEEP_MS: '1500', TMPDIR: tmp });
    const stderr = collect(child, 'stderr');
    const ends: { id?: string; t: number; reason?: string }[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines)
        if (line.includes('"type":"task.end"'))
          ends.push(JSON.parse(line) as { id?: string; t: number; reason?: string });
    });
    await waitForEvents(child, 'task.start', 2);
    await agentsAtWork(sb, ['T1', 'T2']);
    const meta = readdirSync(sb.logDir).find((name) => name.endsWith('.meta')) ?? '';
    const hostPid = Number(
      /^host_pid=(\d+)$/m.exec(readFileSync(path.join(sb.logDir, meta), 'utf8'))?.[1],
    );
    expect(hostPid).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(hostPid, 'SIGKILL');
    expect(await exitOf(child)).toBe(1);
    // Noticed within seconds (both agents would have run 1.5 s more).
    const failedEnds = ends.filter((e) => e.id === 'T1' || e.id === 'T2');
    expect(failedEnds).toHaveLength(2);
    for (const end of failedEnds) {
      expect(end.t - killedAt).toBeLessThan(3000);
      // Its agent is stopped by the run, or it died first: on pipes its next line to the dead host
      // is a SIGPIPE (which of the two comes first depends on the machine's load).
      expect(end.reason).toMatch(
        new RegExp(
          `^interrupted: its job host \\(pid ${hostPid}\\) died(; its agent, left unsupervised, was stopped| and its agent with it)$`,
        ),
      );
    }
    expect(statuses(sb.plan)).toEqual({
      T1: 'Failed',
      T2: 'Failed',
      T3: 'Blocked',
      T4: 'Blocked',
    });
    expect(logOf(sb, 'T1')).toContain('a re-run (or --resume) starts it again');
    expect(stderr()).not.toContain('gh pr create');
    expect(await processesLeftIn(sb.dir)).toEqual([]);

    const resumed = runSync(sb, ['--resume'], { FAKE_SLEEP_MS: '100', TMPDIR: tmp });
    expect(resumed.status).toBe(0);
    // One start per attempt: the interrupted one and the one that completed.
    expect(runsOf(sb)).toEqual({ T1: 2, T2: 2, T3: 1, T4: 1 });
    expectFinished(sb);
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });

  it.each([
    { how: '--resume', flags: ['--resume'] },
    { how: 'a plain run', flags: [] },
  ])(
    'kill -9 of the run and its host together: $how starts the cut-off tasks again and the plan says what became of the first attempt',
    async ({ flags }) => {
      const sb = makeSandbox(threeWaves);
      sandbox = sb;
      const tmp = tmpOf(sb);
      const child = spawnRun(sb, [], { FAKE_SLEEP_MS: '3000', TMPDIR: tmp });
      await waitForEvents(child, 'task.start', 2);
      await agentsAtWork(sb, ['T1', 'T2']);
      const meta = readdirSync(sb.logDir).find((name) => name.endsWith('.meta')) ?? '';
      const hostPid = Number(
        /^host_pid=(\d+)$/m.exec(readFileSync(path.join(sb.logDir, meta), 'utf8'))?.[1],
      );
      child.kill('SIGKILL');
      process.kill(hostPid, 'SIGKILL');
      await exitOf(child);
      // A plain run refuses while the cut-off agents live (only --resume may stop them): it goes
      // once they have ended (on pipes, at their first line to the dead host).
      if (flags.length === 0) expect(await processesLeftIn(sb.dir, 10_000)).toEqual([]);
      const resumed = runSync(sb, flags, { FAKE_SLEEP_MS: '100', TMPDIR: tmp });
      expect(resumed.status, resumed.stderr).toBe(0);
      expectFinished(sb);
      for (const id of ['T1', 'T2'])
        expect(logOf(sb, id)).toMatch(
          new RegExp(
            `earlier attempt 1 \\(job \\S+\\) was cut off: its job host died with the run.*; its work, if any, stays on branch feature-test--${id} \\(worktree kept: `,
          ),
        );
      expect(logOf(sb, 'T3')).not.toContain('earlier attempt');
      expect(await processesLeftIn(sb.dir)).toEqual([]);
    },
  );
});
