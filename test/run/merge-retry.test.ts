import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { failedMergeBranch, mergeFailedLine } from '../../src/run/merge-retry.js';
import { gitCause } from '../../src/run/integration.js';
import { plan, planTask } from './helpers.js';

function taskWith(status: string, log: string[]) {
  const text = plan([planTask('T1', [])])
    .replace('- **status**: Not Started', `- **status**: ${status}`)
    .replace(
      '- **log**: [empty - agent fills]',
      ['- **log**:', ...log.map((l) => `  - ${l}`)].join('\n'),
    );
  const task = parsePlan(text, 'p').plan.tasks[0];
  if (task === undefined) throw new Error('no task');
  return task;
}

describe('a failed merge, read back from the plan', () => {
  const failed = [
    'job p-T1-x, agent claude, 2.0s, exit 0',
    'branch feature-p--T1: 2 commit(s) — abc T1: one; def T1: two',
    'worktree kept: /wt/p/T1/app',
    mergeFailedLine('merge conflict in a.txt'),
  ];

  it('names the branch of a Failed task whose agent completed', () => {
    expect(failedMergeBranch(taskWith('Failed', failed))).toBe('feature-p--T1');
  });

  it('is nothing for any other task', () => {
    // The user set it back to run the agent again.
    expect(failedMergeBranch(taskWith('Not Started', failed))).toBeUndefined();
    // An agent that failed.
    expect(
      failedMergeBranch(
        taskWith('Failed', ['job p-T1-x, agent claude, 2.0s, exit 1', 'agent failed (exit 1)']),
      ),
    ).toBeUndefined();
    // Only an earlier attempt's line says so: that attempt's work is not this one's.
    expect(
      failedMergeBranch(
        taskWith('Failed', [
          'job p-T1-y, agent claude, 1.0s, exit 1',
          `earlier attempt (Failed): job p-T1-x; ${mergeFailedLine('merge conflict in a.txt')}`,
        ]),
      ),
    ).toBeUndefined();
  });
});

describe('gitCause', () => {
  it("keeps git's fatal line after the command, not its progress line", () => {
    expect(
      gitCause(
        "git worktree add /w feature-p failed in /r: Preparing worktree (checking out 'feature-p')\nfatal: Unable to create '/r/.git/refs/heads/feature-p.lock': File exists.",
      ),
    ).toBe(
      "git worktree failed: Unable to create '/r/.git/refs/heads/feature-p.lock': File exists.",
    );
    expect(
      gitCause(
        'git commit-tree 1234 -p 5678 -m Merge T1: Task T1 failed in /r: *** Please tell me who you are.\n\nfatal: no email was given and auto-detection is disabled',
      ),
    ).toBe(
      'git commit-tree failed: no email was given and auto-detection is disabled (set git config user.name and user.email)',
    );
    expect(gitCause('merge conflict')).toBe('merge conflict');
  });
});
