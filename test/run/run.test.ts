import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { patchPlan } from '../../src/plan/patch.js';
import {
  filesOn,
  makeSandbox,
  plan,
  planTask,
  processesIn,
  runArgs,
  runsOf,
  runSync,
  runWith,
  sandboxEnv,
  spawnRun,
  statuses,
  threeWaves,
  waitForEvents,
  type Sandbox,
} from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

describe('ccglm run (real git, fake agents)', () => {
  it('runs a 3-wave plan to completion; the plan is filled in and byte-identical elsewhere', () => {
    sandbox = makeSandbox(threeWaves);
    const result = runSync(sandbox, ['--concurrency', '2']);
    expect(result.stderr).toContain('Summary');
    expect(result.status).toBe(0);
    const ends = result.events.filter((e) => e.type === 'task.end');
    // T1 and T2 run side by side and may end in either order; T3 and T4 come after them.
    const order = ends.map((e) => `${e.id}:${e.status}`);
    expect(order.slice(0, 2).sort()).toEqual(['T1:Completed', 'T2:Completed']);
    expect(order.slice(2)).toEqual(['T3:Completed', 'T4:Completed']);
    const starts = result.events.filter((e) => e.type === 'task.start').map((e) => e.id);
    expect(starts.indexOf('T3')).toBeGreaterThan(1);
    const text = readFileSync(sandbox.plan, 'utf8');
    const tasks = parsePlan(text, 'p').plan.tasks;
    for (const task of tasks) {
      expect(task.status).toBe('Completed');
      expect(task.filesEdited).toEqual([`${task.id}.txt`]);
      expect(task.log).toMatch(/^job test-/);
      expect(task.log).toContain(`Summary: ${task.id} done by the fake agent`);
      expect(task.log).toContain('merged into feature-test');
    }
    // Undo the three written fields: what remains must be the original, byte for byte.
    const undone = patchPlan(
      text,
      tasks.map((t) => ({
        taskId: t.id,
        status: 'Not Started' as const,
        log: '',
        filesEdited: [],
      })),
    );
    expect(undone).toBe(threeWaves);
    const merged = execFileSync('git', ['ls-tree', '--name-only', 'feature-test'], {
      cwd: sandbox.repo,
      encoding: 'utf8',
    });
    expect(merged.split('\n').filter(Boolean).sort()).toEqual([
      'README.md',
      'T1.txt',
      'T2.txt',
      'T3.txt',
      'T4.txt',
    ]);
    expect(runsOf(sandbox)).toEqual({ T1: 1, T2: 1, T3: 1, T4: 1 });
    // Nothing the run started is still at work in its folders once it has exited: no agent (or a
    // child of one) in a worktree, no git process in the repository.
    expect(processesIn(sandbox.dir)).toEqual([]);
  });

  it('runs a dozen tasks side by side without a warning from Node', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `T${i + 1}`);
    sandbox = makeSandbox(plan(ids.map((id) => planTask(id, []))));
    const result = runSync(sandbox, ['--concurrency', 'unlimited'], { FAKE_SLEEP_MS: '300' });
    expect(result.status).toBe(0);
    expect(result.events.filter((e) => e.status === 'Completed')).toHaveLength(12);
    expect(result.stderr).not.toMatch(/Warning/);
  });

  it('a failing task blocks exactly its dependents; independent tasks complete; exit 1', () => {
    sandbox = makeSandbox(
      plan([
        planTask('T1', []),
        planTask('T2', []),
        planTask('T3', ['T1']),
        planTask('T4', ['T3']),
        planTask('T5', ['T2']),
      ]),
    );
    const result = runSync(sandbox, ['--strategy', 'eager'], { FAKE_FAIL: 'T1' });
    expect(result.status).toBe(1);
    expect(statuses(sandbox.plan)).toEqual({
      T1: 'Failed',
      T2: 'Completed',
      T3: 'Blocked',
      T4: 'Blocked',
      T5: 'Completed',
    });
    const blocked = result.events.filter((e) => e.type === 'task.end' && e.status === 'Blocked');
    expect(blocked.map((e) => [e.id, e.reason])).toEqual([
      ['T3', 'dependency T1 failed'],
      ['T4', 'dependency T1 failed'],
    ]);
    const t1 = parsePlan(readFileSync(sandbox.plan, 'utf8'), 'p').plan.tasks[0];
    expect(t1?.log).toContain('exit 1');
    expect(t1?.log).toContain('fails on purpose');
    expect(runsOf(sandbox)).toEqual({ T1: 1, T2: 1, T5: 1 });
  });

  it('an agent that fails after committing: Failed, its commits named in the plan as not merged, its branch kept', () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const result = runSync(sandbox, [], { FAKE_FAIL_AFTER: 'T1' });
    expect(result.status).toBe(1);
    const end = result.events.find((e) => e.type === 'task.end');
    expect(end).toMatchObject({
      id: 'T1',
      status: 'Failed',
      commits: [expect.stringMatching(/^\w+ T1: work$/)],
    });
    const t1 = parsePlan(readFileSync(sandbox.plan, 'utf8'), 'p').plan.tasks[0];
    expect(t1?.log).toMatch(/branch feature-test--T1: 1 commit\(s\) — \w+ T1: work \(not merged\)/);
    expect(filesOn(sandbox, 'feature-test')).not.toContain('T1.txt');
    expect(filesOn(sandbox, 'feature-test--T1')).toContain('T1.txt');
  });

  it('exit 0 without commits is Failed with "no commits"', () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const result = runSync(sandbox, [], { FAKE_NOCOMMIT: 'T1' });
    expect(result.status).toBe(1);
    const end = result.events.find((e) => e.type === 'task.end');
    expect(end).toMatchObject({ id: 'T1', status: 'Failed' });
    expect(String(end?.reason)).toContain('no commits');
  });

  it('a merge conflict fails the task, names the file and keeps the work on its branch', () => {
    sandbox = makeSandbox(
      plan([planTask('T1', [], ['shared.txt']), planTask('T2', [], ['shared.txt'])]),
    );
    const result = runSync(sandbox, ['--concurrency', '2'], {
      FAKE_FILE_T1: 'shared.txt',
      FAKE_FILE_T2: 'shared.txt',
      FAKE_SLEEP_MS: '300',
    });
    expect(result.status).toBe(1);
    const failed = result.events.find((e) => e.type === 'task.end' && e.status === 'Failed');
    expect(String(failed?.reason)).toContain('merge conflict in shared.txt');
    const branches = execFileSync('git', ['branch', '--list', `feature-test--${failed?.id}`], {
      cwd: sandbox.repo,
      encoding: 'utf8',
    });
    expect(branches).toContain(`feature-test--${failed?.id}`);
  });

  it('refuses an invalid plan with its diagnostics and leaves the file untouched', () => {
    const invalid = plan([planTask('T1', ['T2']), planTask('T2', ['T1'])]);
    sandbox = makeSandbox(invalid);
    const result = runSync(sandbox);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CCG203');
    expect(result.stderr).toContain('T1 → T2 → T1');
    expect(readFileSync(sandbox.plan, 'utf8')).toBe(invalid);
    expect(result.events).toEqual([]);
  });

  it('an unknown agent or a missing agent binary is one message before anything starts', () => {
    sandbox = makeSandbox(threeWaves);
    const sb = sandbox;
    const withAgent = (agent: string[], env: Record<string, string> = {}) => {
      const args = runArgs(sb);
      args.splice(args.indexOf('--agent-cmd'), 2, ...agent);
      return spawnSync(process.execPath, args, {
        encoding: 'utf8',
        env: sandboxEnv(sb, env),
        timeout: 60_000,
      });
    };
    const unknown = withAgent(['--agent', 'nosuch']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown agent 'nosuch', expected one of: claude, codex");
    const missing = withAgent(['--agent', 'claude'], { PATH: path.dirname(process.execPath) });
    expect(missing.status).toBe(78);
    expect(missing.stderr).toContain(
      'FAIL agent: claude agent binary not found: claude (not on PATH); fix: npm install -g @anthropic-ai/claude-code',
    );
    const custom = withAgent(['--agent-cmd', 'no-such-agent-here --flag']);
    expect(custom.status).toBe(78);
    expect(custom.stderr).toContain('custom agent binary not found: no-such-agent-here');
    for (const result of [unknown, missing, custom]) {
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(readFileSync(sb.plan, 'utf8')).toBe(threeWaves);
    expect(existsSync(sb.worktrees)).toBe(false);
  });

  it("finds a task repository in the plan's own folder without --repos", () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const args = runArgs(sandbox);
    args.splice(args.indexOf('--repos'), 2);
    const result = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      env: sandboxEnv(sandbox),
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(/T1 +Completed/);
    expect(result.status).toBe(0);
  });

  it('--dry-run prints the waves and starts nothing', () => {
    sandbox = makeSandbox(threeWaves);
    const result = runSync(sandbox, ['--dry-run']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('Wave 3 (1 task)');
    expect(readFileSync(sandbox.plan, 'utf8')).toBe(threeWaves);
    expect(readdirSync(sandbox.marks)).toEqual([]);
  });

  it('refuses a second run of the same plan while the first runs; a concurrent edit survives', async () => {
    sandbox = makeSandbox(threeWaves);
    const first = spawnRun(sandbox, [], { FAKE_SLEEP_MS: '1500' });
    const exited = new Promise<number | null>((resolve) => first.on('exit', resolve));
    await waitForEvents(first, 'task.start', 2);
    const second = runSync(sandbox);
    expect(second.status).toBe(78);
    expect(second.stderr).toMatch(/is already being run by ccglm \(pid \d+/);
    appendFileSync(sandbox.plan, '\nA note a person added during the run.\n');
    expect(await exited).toBe(0);
    const text = readFileSync(sandbox.plan, 'utf8');
    expect(text).toContain('A note a person added during the run.');
    expect(Object.values(statuses(sandbox.plan))).toEqual([
      'Completed',
      'Completed',
      'Completed',
      'Completed',
    ]);
  });

  it('a task edited while the run goes on starts with its text as it is then; a changed depends_on waits for a new run', async () => {
    sandbox = makeSandbox(
      plan([planTask('T1', []), planTask('T2', ['T1']), planTask('T3', ['T1'])]),
    );
    const child = spawnRun(sandbox, [], { FAKE_SLEEP_MS_T1: '1500' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitForEvents(child, 'task.start', 1);
    // A person edits T2's description and T3's depends_on while T1 runs.
    const text = readFileSync(sandbox.plan, 'utf8');
    writeFileSync(
      sandbox.plan,
      text
        .replace('Do T2.', 'Do T2, and mind the tests.')
        .replace(/(### T3[^]*?depends_on\*\*: )\[T1\]/, '$1[]'),
    );
    expect(await exited).toBe(0);
    expect(Object.values(statuses(sandbox.plan))).toEqual(['Completed', 'Completed', 'Completed']);
    const logDir = sandbox.logDir;
    const prompt = (id: string) =>
      readdirSync(logDir)
        .filter((name) => name.startsWith(`test-${id}-`) && name.endsWith('.prompt'))
        .map((name) => readFileSync(path.join(logDir, name), 'utf8'))
        .join('');
    expect(prompt('T2')).toContain('Do T2, and mind the tests.');
    expect(prompt('T3')).toContain('Do T3.');
    const tasks = parsePlan(readFileSync(sandbox.plan, 'utf8'), sandbox.plan).plan.tasks;
    const log = (id: string) => tasks.find((t) => t.id === id)?.log ?? '';
    expect(log('T2')).toContain(
      'edited in the plan after the run started: started with its text as it is now',
    );
    expect(log('T3')).toContain(
      'its depends_on changed in the plan after the run started: started as the run read it (a new run takes the change)',
    );
    // The edits are the person's: still in the plan.
    expect(tasks.find((t) => t.id === 'T3')?.dependsOn).toEqual([]);
    expect(log('T1')).not.toContain('edited');
  });

  it('a plan with a byte order mark is written back with it; a task the plan no longer has fails the run, said under the tasks', async () => {
    sandbox = makeSandbox(`\uFEFF${plan([planTask('T1', []), planTask('T2', [])])}`);
    const child = spawnRun(sandbox, [], { FAKE_SLEEP_MS_T1: '1500' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitForEvents(child, 'task.start', 2);
    // A person removes T2 from the plan while T1 runs.
    const text = readFileSync(sandbox.plan, 'utf8');
    writeFileSync(sandbox.plan, text.replace(/### T2[^]*?(?=## Notes)/, ''));
    expect(await exited).toBe(1);
    const bytes = readFileSync(sandbox.plan);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(statuses(sandbox.plan)).toEqual({ T1: 'Completed' });
    const warning = stderr.indexOf(
      `warning: could not record T2 in ${sandbox.plan}: task T2 is not in the plan (any more)`,
    );
    expect(warning).toBeGreaterThan(stderr.indexOf('  T2 '));
    expect(warning).toBeLessThan(stderr.indexOf('branch feature-test'));
  });

  it('a task set Skipped or removed from the plan while the run goes on is not started; the plan keeps the edit', async () => {
    sandbox = makeSandbox(
      plan([
        planTask('T1', []),
        planTask('T2', ['T1']),
        planTask('T3', ['T1']),
        planTask('T4', ['T2']),
      ]),
    );
    let stderr = '';
    const child = spawnRun(sandbox, [], { FAKE_SLEEP_MS_T1: '1500' });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitForEvents(child, 'task.start', 1);
    const text = readFileSync(sandbox.plan, 'utf8');
    writeFileSync(
      sandbox.plan,
      text
        .replace(/(### T2[^]*?status\*\*: )Not Started/, '$1Skipped')
        .replace(/### T3[^]*?(?=### T4)/, ''),
    );
    expect(await exited).toBe(0);
    expect(runsOf(sandbox)).toEqual({ T1: 1, T4: 1 });
    expect(stderr).toContain('T2 was set Skipped in the plan during the run: not started\n');
    expect(stderr).toContain('T3 was removed from the plan during the run: not started\n');
    expect(statuses(sandbox.plan)).toEqual({ T1: 'Completed', T2: 'Skipped', T4: 'Completed' });
  });

  it('the plan file moved away during the run: nothing more starts, and the run says why', async () => {
    sandbox = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
    let stderr = '';
    const child = spawnRun(sandbox, [], { FAKE_SLEEP_MS_T1: '1000' });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitForEvents(child, 'task.start', 1);
    renameSync(sandbox.plan, path.join(sandbox.dir, 'renamed-plan.md'));
    expect(await exited).toBe(1);
    expect(runsOf(sandbox)).toEqual({ T1: 1 });
    expect(stderr).toContain(
      `${sandbox.plan} was moved or deleted during the run: T2 not started\n`,
    );
    expect(stderr).toContain(
      `warning: could not record T1 in ${sandbox.plan}: the plan file was moved or deleted during the run\n`,
    );
  });

  it('after kill -9 of the run mid-wave, --resume adopts the running jobs and runs nothing twice', async () => {
    sandbox = makeSandbox(threeWaves);
    const first = spawnRun(sandbox, [], { FAKE_SLEEP_MS: '2000' });
    await waitForEvents(first, 'task.start', 2);
    // Killed once the plan says they run (its write follows the events by up to the write gap).
    const plan = sandbox.plan;
    for (let i = 0; i < 100 && statuses(plan)['T2'] !== 'In Progress'; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 50));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.on('exit', resolve));
    expect(statuses(sandbox.plan)).toEqual({
      T1: 'In Progress',
      T2: 'In Progress',
      T3: 'Not Started',
      T4: 'Not Started',
    });
    const resumed = runSync(sandbox, ['--resume'], { FAKE_SLEEP_MS: '200' });
    expect(resumed.stderr).toContain('Summary');
    expect(resumed.status).toBe(0);
    const adopted = resumed.events
      .filter((e) => e.type === 'task.start' && e.adopted === true)
      .map((e) => e.id);
    expect(adopted.sort()).toEqual(['T1', 'T2']);
    expect(runsOf(sandbox)).toEqual({ T1: 1, T2: 1, T3: 1, T4: 1 });
    expect(Object.values(statuses(sandbox.plan))).toEqual([
      'Completed',
      'Completed',
      'Completed',
      'Completed',
    ]);
  });
});

describe('ccglm clean', () => {
  it('finds the task worktrees by their branch, keeps one with unmerged work, removes a merged one', () => {
    const sb = makeSandbox(
      plan([planTask('T1', [], ['shared.txt']), planTask('T2', [], ['shared.txt'])]),
    );
    sandbox = sb;
    const run = runSync(sb, ['--concurrency', '2'], {
      FAKE_FILE_T1: 'shared.txt',
      FAKE_FILE_T2: 'shared.txt',
      FAKE_SLEEP_MS: '300',
    });
    const failed = run.events.find((e) => e.type === 'task.end' && e.status === 'Failed');
    const done = run.events.find((e) => e.type === 'task.end' && e.status === 'Completed');
    // A later attempt's worktree of a task that committed nothing, left elsewhere: merged (no
    // commits) and clean. And one on a branch that only looks like a task's (no task T10 here).
    const stray = path.join(sb.dir, 'elsewhere', 'again');
    const lookalike = path.join(sb.dir, 'elsewhere', 'other');
    const branch = `feature-test--${String(done?.id)}-2`;
    for (const [dir, name] of [
      [stray, branch],
      [lookalike, 'feature-test--T10'],
    ] as const)
      execFileSync('git', ['worktree', 'add', '-q', '-b', name, dir, 'feature-test'], {
        cwd: sb.repo,
      });
    const clean = (...extra: string[]) =>
      execFileSync(
        process.execPath,
        [path.join(process.cwd(), 'bin/ccglm.js'), 'clean', sb.plan, '--repos', sb.dir, ...extra],
        { encoding: 'utf8' },
      );
    // No --worktree-root: the run's non-default root is not needed.
    expect(clean('--dry-run')).toContain(
      `would remove ${stray} (${branch} is merged into feature-test)`,
    );
    expect(existsSync(stray)).toBe(true);
    const out = clean();
    expect(out).toContain(
      `kept    ${path.join(sb.worktrees, 'test', String(failed?.id), 'app')} (unmerged commits on feature-test--${failed?.id})`,
    );
    expect(out).toContain(`removed ${stray}`);
    expect(out).toContain('1 worktree(s) removed, 1 kept');
    expect(existsSync(stray)).toBe(false);
    expect(out).not.toContain(lookalike);
    expect(existsSync(lookalike)).toBe(true);
    // An attempt of the Completed task with work of its own: kept, named an earlier attempt, with
    // the commands that drop it.
    const earlier = path.join(sb.dir, 'elsewhere', 'earlier');
    const earlierBranch = `feature-test--${String(done?.id)}-3`;
    execFileSync('git', ['worktree', 'add', '-q', '-b', earlierBranch, earlier, 'main'], {
      cwd: sb.repo,
    });
    writeFileSync(path.join(earlier, 'old.txt'), 'old\n');
    execFileSync('git', ['add', '-A'], { cwd: earlier });
    execFileSync('git', ['commit', '-qm', 'old attempt'], { cwd: earlier });
    expect(clean()).toContain(
      `kept    ${earlier} (unmerged commits on ${earlierBranch}; its task is Completed, so this is an earlier attempt: to drop it, git -C ${sb.repo} worktree remove --force ${earlier} && git -C ${sb.repo} branch -D ${earlierBranch})`,
    );
  });
});

describe('ccglm clean, task ids with a number after a dash', () => {
  it('takes `API-2` for a task, not for the second attempt of a task `API`', () => {
    const sb = makeSandbox(plan([planTask('API-2', [])]));
    sandbox = sb;
    execFileSync('git', ['branch', 'feature-test'], { cwd: sb.repo });
    const left = path.join(sb.dir, 'elsewhere', 'api');
    execFileSync(
      'git',
      ['worktree', 'add', '-q', '-b', 'feature-test--API-2', left, 'feature-test'],
      {
        cwd: sb.repo,
      },
    );
    const out = execFileSync(
      process.execPath,
      [path.join(process.cwd(), 'bin/ccglm.js'), 'clean', sb.plan, '--repos', sb.dir],
      { encoding: 'utf8' },
    );
    expect(out).toContain(`removed ${left}`);
    expect(existsSync(left)).toBe(false);
  });
});

describe('ccglm run supervision', () => {
  it('a stalled job is restarted once, then Blocked, and its dependents are Blocked', () => {
    sandbox = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
    // 0.03 min = 1.8 s without CPU or output counts as stalled here.
    const result = runSync(sandbox, ['--stall-minutes', '0.03'], { FAKE_SLEEP_MS: '60000' });
    expect(result.status).toBe(1);
    expect(result.events.filter((e) => e.type === 'task.restart').map((e) => e.id)).toEqual(['T1']);
    const ends = result.events.filter((e) => e.type === 'task.end');
    expect(ends.map((e) => `${e.id}:${e.status}`)).toEqual(['T1:Blocked', 'T2:Blocked']);
    expect(String(ends[0]?.reason)).toMatch(/^stalled after 1 restart\(s\)/);
    expect(runsOf(sandbox)).toEqual({ T1: 2 });
    expect(statuses(sandbox.plan)).toEqual({ T1: 'Blocked', T2: 'Blocked' });
  }, 60_000);

  it('an agent that changed its worktree and then hangs is stalled too: restarted once, then Blocked', () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const agent = path.join(sandbox.dir, 'commit-then-hang.sh');
    writeFileSync(
      agent,
      `echo run >> "${sandbox.marks}/runs"\necho x > T1.txt; git add -A; git commit -qm work\nexec sleep 60\n`,
    );
    const result = runSync(sandbox, ['--stall-minutes', '0.03', '--agent-cmd', `/bin/sh ${agent}`]);
    expect(result.status).toBe(1);
    expect(result.events.filter((e) => e.type === 'task.restart').map((e) => e.id)).toEqual(['T1']);
    const end = result.events.find((e) => e.type === 'task.end');
    expect(`${end?.status} ${String(end?.reason)}`).toMatch(
      /^Blocked stalled after 1 restart\(s\)/,
    );
    expect(readFileSync(path.join(sandbox.marks, 'runs'), 'utf8')).toBe('run\nrun\n');
    // What it committed before it hung is said, and where it stays.
    expect(end?.commits).toEqual([expect.stringMatching(/ work$/)]);
    expect(parsePlan(readFileSync(sandbox.plan, 'utf8'), 'p').plan.tasks[0]?.log).toMatch(
      /branch feature-test--T1: 1 commit\(s\) — \S+ work \(not merged\)/,
    );
  }, 60_000);

  it('SIGTERM stops the running jobs, records them in the plan and exits 143', async () => {
    sandbox = makeSandbox(threeWaves);
    const child = spawnRun(sandbox, [], { FAKE_SLEEP_MS: '30000' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitForEvents(child, 'task.start', 2);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(statuses(sandbox.plan)).toEqual({
      T1: 'Failed',
      T2: 'Failed',
      T3: 'Not Started',
      T4: 'Not Started',
    });
    const log = parsePlan(readFileSync(sandbox.plan, 'utf8'), 'p').plan.tasks[0]?.log ?? '';
    expect(log).toContain('killed');
  }, 60_000);
});

describe('ccglm run rate limits', () => {
  it('a 429 lowers concurrency, delays further starts, retries the task after the reset and logs it', () => {
    sandbox = makeSandbox(plan([planTask('T1', []), planTask('T2', []), planTask('T3', ['T1'])]));
    const result = runSync(sandbox, ['--concurrency', '2', '--strategy', 'eager'], {
      FAKE_FAIL_FIRST: 'T1',
      FAKE_SAY_T1: 'API Error: 429 Too Many Requests, retry after 1 seconds',
      FAKE_SLEEP_MS: '200',
    });
    expect(result.status).toBe(0);
    const throttle = result.events.find((e) => e.type === 'run.throttle');
    expect(throttle).toMatchObject({ concurrency: 1 });
    // ccglm headless turns the agent's 429 into its RATE_LIMITED marker, with the retry time.
    expect(String(throttle?.reason)).toMatch(/RATE_LIMITED retry_after=1|429/);
    expect(Number(throttle?.until)).toBeGreaterThan(Number(throttle?.t));
    const restart = result.events.find((e) => e.type === 'task.restart');
    expect(restart).toMatchObject({ id: 'T1', attempt: 2 });
    expect(String(restart?.reason)).toMatch(/^rate limited: /);
    const second = result.events.filter((e) => e.type === 'task.start' && e.id === 'T1')[1];
    expect(Number(second?.t)).toBeGreaterThanOrEqual(Number(throttle?.until));
    expect(runsOf(sandbox)).toEqual({ T1: 2, T2: 1, T3: 1 });
    expect(statuses(sandbox.plan)).toEqual({ T1: 'Completed', T2: 'Completed', T3: 'Completed' });
  });
});

describe('run renderers', () => {
  it('plain and NDJSON lines for the same events', async () => {
    const { createPlainRenderer, createNdjsonRenderer, createTtyRenderer } =
      await import('../../src/run/render.js');
    const events = [
      {
        type: 'run.start',
        t: 1000,
        plan: 'p.md',
        tasks: ['T1'],
        waves: [['T1']],
        strategy: 'waves',
        concurrency: 3,
        resume: false,
      },
      {
        type: 'task.start',
        t: 1500,
        id: 'T1',
        wave: 1,
        job: 'p-T1',
        worktree: '/w',
        branch: 'feature-p--T1',
        attempt: 1,
      },
      { type: 'task.output', t: 1600, id: 'T1', line: 'working on it' },
      {
        type: 'task.end',
        t: 4000,
        id: 'T1',
        status: 'Completed',
        exitCode: 0,
        durationMs: 2500,
        commits: ['abc T1'],
      },
      {
        type: 'run.end',
        t: 4100,
        exitCode: 0,
        completed: 1,
        failed: 0,
        blocked: 0,
        skipped: 0,
        notStarted: 0,
        durationMs: 3100,
      },
    ] as const;
    let plain = '';
    let json = '';
    let tty = '';
    const p = createPlainRenderer((s) => (plain += s));
    const j = createNdjsonRenderer((s) => (json += s));
    // The TTY view redraws at most every REDRAW_MS: its clock moves a second per event here.
    let clock = 0;
    const t = createTtyRenderer(
      (s) => (tty += s),
      () => 80,
      () => clock,
    );
    for (const e of events) {
      clock += 1000;
      for (const r of [p, j, t]) r.onEvent(e as never);
    }
    expect(plain).toBe(
      [
        '[   0.0s] run p.md: 1 task in 1 wave (strategy waves, concurrency 3)',
        '[   0.5s] T1 started (wave 1, job p-T1, branch feature-p--T1)',
        '[   3.0s] T1 Completed (2.5s, exit 0, 1 commit)',
        '[   3.1s] done: 1 completed, 0 failed, 0 blocked in 3.1s',
        '',
      ].join('\n'),
    );
    expect(
      json
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['run.start', 'task.start', 'task.output', 'task.end', 'run.end']);
    expect(tty).toContain('… w1 T1       Running');
    expect(tty).toContain('working on it');
    // The task's line and the overall progress line below it.
    expect(tty).toContain('\u001b[2A\u001b[2K✓ w1 T1       Completed');
    expect(tty).toContain('1/1 done · 0 running · 0 waiting');
  });
});

describe('TTY view on a short terminal', () => {
  it('keeps running and failed tasks in view and counts the completed ones that do not fit', async () => {
    const { createTtyRenderer } = await import('../../src/run/render.js');
    let tty = '';
    const t = createTtyRenderer(
      (s) => (tty += s),
      () => 80,
      () => 5000,
      () => 7, // room for 4 lines and the progress line
    );
    const start = (id: string) =>
      t.onEvent({
        type: 'task.start',
        t: 1000,
        id,
        wave: 1,
        job: `j-${id}`,
        worktree: '',
        branch: '',
        attempt: 1,
      });
    const end = (id: string, status: 'Completed' | 'Failed') =>
      t.onEvent({ type: 'task.end', t: 2000, id, status, commits: [] });
    for (const id of ['T1', 'T2', 'T3', 'T4', 'T5', 'T6']) start(id);
    for (const id of ['T1', 'T2', 'T3']) end(id, 'Completed');
    end('T4', 'Failed');
    tty = '';
    t.tick?.(5000);
    const lines = tty.split('\n').filter(Boolean);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('… 3 more task(s) (3 completed)');
    expect(lines[4]).toContain('ETA');
    expect(tty).toContain('✗ w1 T4');
    expect(tty).toContain('… w1 T5');
    expect(tty).toContain('… w1 T6');
    expect(tty).not.toContain('T1 ');
  });
});

describe('ccglm run options', () => {
  it('--isolation repo: all tasks share one worktree on the integration branch', () => {
    sandbox = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
    const result = runSync(sandbox, ['--isolation', 'repo'], { FAKE_SLEEP_MS: '100' });
    expect(result.status, result.stderr).toBe(0);
    const starts = result.events.filter((e) => e.type === 'task.start');
    expect(new Set(starts.map((e) => e.worktree)).size).toBe(1);
    expect(starts.every((e) => e.branch === 'feature-test')).toBe(true);
    const log = execFileSync('git', ['log', '--format=%s', 'feature-test'], {
      cwd: sandbox.repo,
      encoding: 'utf8',
    });
    expect(log.split('\n').filter(Boolean)).toEqual(['T2: work', 'T1: work', 'init']);
    expect(statuses(sandbox.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
  });

  it("--isolation repo: a repository's tasks run one at a time (each its own commits); its checkout goes at the end", () => {
    sandbox = makeSandbox(plan([planTask('T1', []), planTask('T2', [])]));
    // T1 commits nothing: alongside T2 it was credited with T2's commit and Completed.
    const result = runSync(sandbox, ['--isolation', 'repo'], {
      FAKE_NOCOMMIT: 'T1',
      FAKE_SLEEP_MS_T1: '600',
    });
    expect(result.status).toBe(1);
    const ends = result.events.filter((e) => e.type === 'task.end');
    const [first, second] = ends;
    expect(ends.map((e) => [e.id, e.status])).toEqual([
      ['T1', 'Failed'],
      ['T2', 'Completed'],
    ]);
    expect(first?.commits).toEqual([]);
    expect(second?.commits).toEqual([expect.stringMatching(/ T2: work$/)]);
    // Not side by side: T2 started after T1 ended.
    const startOf = (id: string) =>
      result.events.find((e) => e.type === 'task.start' && e.id === id)?.t as number;
    expect(startOf('T2')).toBeGreaterThanOrEqual(first?.t as number);
    const worktrees = execFileSync('git', ['worktree', 'list', '--porcelain'], {
      cwd: sandbox.repo,
      encoding: 'utf8',
    });
    expect(worktrees).not.toContain('_integration');
  });

  it('--push pushes the integration branch to origin when every task completed', () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const remote = path.join(sandbox.dir, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', remote]);
    execFileSync('git', ['remote', 'add', 'origin', remote], { cwd: sandbox.repo });
    const result = runSync(sandbox, ['--push']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('pushed feature-test to origin');
    const pushed = execFileSync('git', ['ls-tree', '--name-only', 'feature-test'], {
      cwd: remote,
      encoding: 'utf8',
    });
    expect(pushed).toContain('T1.txt');
  });

  it('--push that pushes nothing (no remote, or the push fails) exits 1: a script does not go on to the PR', () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    execFileSync('git', ['remote', 'add', 'origin', path.join(sandbox.dir, 'nowhere.git')], {
      cwd: sandbox.repo,
    });
    const failed = runSync(sandbox, ['--push']);
    expect(failed.stderr).toContain('push failed: ');
    expect(failed.status).toBe(1);
    sandbox.cleanup();
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const none = runSync(sandbox, ['--push']);
    expect(none.stderr).toContain('(--push: nothing pushed)');
    expect(none.status).toBe(1);
  });
});

describe('ccglm run and a repo written as a relative path', () => {
  it('`repo: ../app` for two tasks at once: each its own worktree (the run looped on one folder before)', () => {
    sandbox = makeSandbox('');
    const plans = path.join(sandbox.dir, 'plans');
    mkdirSync(plans);
    const moved = { ...sandbox, plan: path.join(plans, 'test-plan.md') };
    writeFileSync(
      moved.plan,
      plan([planTask('T1', []), planTask('T2', [])]).replaceAll(
        '**repo**: app',
        '**repo**: ../app',
      ),
    );
    const result = runWith(
      runArgs(moved).filter((arg, i, all) => arg !== '--repos' && all[i - 1] !== '--repos'),
      sandboxEnv(moved),
    );
    expect(result.status, result.stderr).toBe(0);
    const worktrees = result.events.filter((e) => e.type === 'task.start').map((e) => e.worktree);
    expect(new Set(worktrees).size).toBe(2);
    expect(worktrees.every((dir) => String(dir).endsWith(`${path.sep}app`))).toBe(true);
  });
});

describe('ccglm run and an agent that leaves its branch', () => {
  it('an agent that switched its worktree to another branch and committed there: Failed, saying so', () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const agent = path.join(sandbox.dir, 'switch.sh');
    writeFileSync(
      agent,
      'git checkout -q -b elsewhere\necho x > T1.txt; git add -A; git commit -qm "T1 elsewhere"\n',
    );
    const result = runSync(sandbox, ['--agent-cmd', `/bin/sh ${agent}`]);
    expect(result.status).toBe(1);
    const end = result.events.find((e) => e.type === 'task.end');
    expect(end?.status).toBe('Failed');
    expect(String(end?.reason)).toMatch(
      /^no commits on feature-test--T1: the agent switched its worktree to elsewhere \(what it committed there is not merged by ccglm; see git -C \S+ log\)$/,
    );
  });
});

describe('ccglm run and what a person set in the plan', () => {
  it('a task set In Progress by hand, and one depending on a skipped task: each said before it starts', () => {
    sandbox = makeSandbox(
      plan([planTask('T1', []), planTask('T2', []), planTask('T3', ['T2'])])
        .replace(/(### T1[^]*?status\*\*: )Not Started/, '$1In Progress')
        .replace(/(### T2[^]*?status\*\*: )Not Started/, '$1Skipped'),
    );
    const result = runSync(sandbox);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      'warning: T1 is In Progress in the plan, but no run of it is going: it starts now (if a person works on it, set it Skipped)\n',
    );
    expect(result.stderr).toContain(
      'warning: T3 depends on T2, which the plan skips: it runs without it\n',
    );
    expect(runsOf(sandbox)).toEqual({ T1: 1, T3: 1 });
  });
});

describe('ccglm run again', () => {
  it('a second run picks up the Failed and Blocked tasks and skips the Completed ones', () => {
    sandbox = makeSandbox(plan([planTask('T1', []), planTask('T2', []), planTask('T3', ['T1'])]));
    // First run: T1's agent fails, so T3 is blocked; T2 completes.
    const first = runSync(sandbox, [], { FAKE_FAIL_FIRST: 'T1', FAKE_SLEEP_MS: '100' });
    expect(first.status).toBe(1);
    expect(statuses(sandbox.plan)).toEqual({ T1: 'Failed', T2: 'Completed', T3: 'Blocked' });
    const second = runSync(sandbox, [], { FAKE_FAIL_FIRST: 'T1', FAKE_SLEEP_MS: '100' });
    expect(second.stderr).toContain('Summary');
    expect(second.status).toBe(0);
    expect(Object.values(statuses(sandbox.plan))).toEqual(['Completed', 'Completed', 'Completed']);
    expect(second.events.filter((e) => e.type === 'task.start').map((e) => e.id)).toEqual([
      'T1',
      'T3',
    ]);
    expect(runsOf(sandbox)).toEqual({ T1: 2, T2: 1, T3: 1 });
    // The retried task's log still says what happened the first time.
    const retried = parsePlan(readFileSync(sandbox.plan, 'utf8'), 'p').plan.tasks[0];
    expect(retried?.log).toMatch(/earlier attempt \(Failed\): job .*worktree kept/);
  });
});
