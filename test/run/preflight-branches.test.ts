import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  makeSandbox,
  plan,
  planTask,
  processesLeft,
  runArgs,
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

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

const oneTask = plan([planTask('T1', [])]);
const refused = (lines: string[]) =>
  [
    `ccglm: cannot start: ${lines.length} check(s) failed; nothing was started and the plan was not changed`,
    ...lines,
    '',
  ].join('\n');

/** The sandbox with its plan at `name` (beside the repository, or in it: `app/NAME`). */
function planAt(sb: Sandbox, name: string, text = oneTask): Sandbox {
  const moved = { ...sb, plan: path.join(sb.dir, name) };
  writeFileSync(moved.plan, text);
  return moved;
}

describe('ccglm run preflight: the integration branch', () => {
  it('checked out where the plan is (untracked or tracked): refused, naming the checkout and the switch; a checkout without the plan takes the merges', async () => {
    sandbox = makeSandbox(oneTask);
    const { repo } = sandbox;
    git(repo, 'checkout', '-q', '-b', 'feature-test');
    // Untracked there: git status shows it all the same.
    const sb = planAt(sandbox, 'app/test-plan.md');
    const line = `FAIL branch feature-test in app (${repo}): checked out in ${repo}, which holds the plan: every task's work is merged there with git merge, and ccglm's own writes to the plan would stop each merge (uncommitted changes); fix: switch that checkout to another branch: git -C ${repo} switch main`;
    const result = runSync(sb);
    expect(result.stderr).toBe(refused([line]));
    expect(result.status).toBe(78);
    expect(git(repo, 'status', '--short')).toBe('?? test-plan.md');
    git(repo, 'add', 'test-plan.md');
    git(repo, 'commit', '-q', '-m', 'plan');
    const tracked = runSync(sb, ['--check']);
    expect(tracked.status).toBe(78);
    expect(tracked.stderr).toContain(`\n${line}\n`);
    expect(readFileSync(sb.plan, 'utf8')).toBe(oneTask);
    expect(git(repo, 'status', '--short')).toBe('');
    expect(git(repo, 'branch', '--format=%(refname:short)')).toBe('feature-test\nmain');
    expect(existsSync(sb.worktrees)).toBe(false);

    // The branch checked out in another worktree, without the plan: merged there, as before.
    git(repo, 'switch', '-q', '-c', 'work');
    const other = path.join(sb.dir, 'feature');
    git(repo, 'worktree', 'add', '-q', other, 'feature-test');
    const check = runSync(sb, ['--check']);
    expect(check.stderr).toContain(
      `\nPASS branch feature-test in app (${repo}): no other plan's run merges into it; checked out in ${other}\n`,
    );
    expect(check.status).toBe(0);
    const run = runSync(sb);
    expect(run.status).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed' });
    expect(git(other, 'log', '-1', '--format=%s')).toBe('Merge T1: Task T1');
    expect(existsSync(path.join(other, 'T1.txt'))).toBe(true);
    expect(await processesLeft(sb)).toEqual([]);
  });

  it('a plan file name or task id that gives a branch name git refuses: refused, the plan unchanged', async () => {
    sandbox = makeSandbox(oneTask);
    for (const name of ['c..d-plan.md', 'Fix #12.lock-plan.md']) {
      const sb = planAt(sandbox, name);
      const branch = name === 'c..d-plan.md' ? 'feature-c..d' : 'feature-Fix-12.lock';
      const result = runSync(sb);
      expect(result.stderr).toBe(
        refused([
          `FAIL branch names: git refuses ${branch}, the integration branch the plan's file name ${name} gives; fix: rename the plan file (its name without -plan.md may not hold '..' nor end in '.lock')`,
        ]),
      );
      expect(result.status).toBe(78);
      expect(readFileSync(sb.plan, 'utf8')).toBe(oneTask);
    }
    const text = plan([planTask('T1', []), planTask('T2.lock', [])]);
    const sb = planAt(sandbox, 'fine-plan.md', text);
    const result = runSync(sb, ['--check']);
    expect(result.stderr).toContain(
      "\nFAIL branch names: git refuses feature-fine--T2.lock (task T2.lock); fix: rename the task (an id may not end in '.lock')\n",
    );
    expect(result.status).toBe(78);
    expect(readFileSync(sb.plan, 'utf8')).toBe(text);
    expect(git(sb.repo, 'branch', '--format=%(refname:short)')).toBe('main');
    expect(existsSync(sb.logDir)).toBe(false);
    expect(await processesLeft(sb)).toEqual([]);
  });

  it("two plans whose names give one branch: the second is refused while the first runs, naming the first's pid", async () => {
    sandbox = makeSandbox(oneTask);
    const first = planAt(sandbox, 'my topic-plan.md');
    const second = planAt(sandbox, 'my-topic-plan.md');
    const child = spawnRun(first, [], { FAKE_SLEEP_MS: '1500' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitForEvents(child, 'task.start', 1);
    const result = runWith(runArgs(second), sandboxEnv(second));
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(
      new RegExp(
        `^FAIL branch feature-my-topic in app \\(${sandbox.repo}\\): the run of another plan, ${first.plan}, merges into it \\(pid ${child.pid}, since [^,]+, jobs in ${sandbox.logDir}\\); both plans' file names give this branch; fix: wait for it, or stop it: Ctrl-C in its terminal or kill -INT ${child.pid}, or rename this plan file$`,
        'm',
      ),
    );
    expect(result.stderr).toContain('1 check(s) failed');
    expect(readFileSync(second.plan, 'utf8')).toBe(oneTask);
    expect(await exited).toBe(0);
    expect(statuses(first.plan)).toEqual({ T1: 'Completed' });
    // Once it ended, the branch is free.
    expect(runSync(second, ['--check']).status).toBe(0);
    expect(await processesLeft(sandbox)).toEqual([]);
  });
});

describe('an integration branch that exists before the plan first runs', () => {
  it("is named with its commits before the run goes on (they would be in the plan's PR); not on a re-run", () => {
    sandbox = makeSandbox(oneTask);
    const sb = sandbox;
    git(sb.repo, 'checkout', '-q', '-b', 'feature-test');
    writeFileSync(path.join(sb.repo, 'mine.txt'), 'wip\n');
    git(sb.repo, 'add', 'mine.txt');
    git(sb.repo, 'commit', '-q', '-m', 'my own WIP');
    git(sb.repo, 'checkout', '-q', 'main');
    const first = runSync(sb);
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(
      new RegExp(
        `^warning: branch feature-test in app \\(${sb.repo}\\) exists already, 1 commit\\(s\\) ahead of HEAD \\([0-9a-f]+ my own WIP\\): this plan's tasks start from it, merge into it, and it is the branch to push; to keep it apart: git -C ${sb.repo} branch -m feature-test OTHER-NAME, then run again$`,
        'm',
      ),
    );
    writeFileSync(
      sb.plan,
      plan([planTask('T1', []), planTask('T2', [])]).replace(
        /(### T1[^]*?status\*\*: )Not Started/,
        '$1Completed',
      ),
    );
    expect(runSync(sb).stderr).not.toContain('exists already');
  });
});
