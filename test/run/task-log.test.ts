import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/plan/types.js';
import { branchLog, failedJobLog, jobLines, withEarlierAttempt } from '../../src/run/task-log.js';

const job = { jobId: 'p-T1-x', agent: 'demo', durationMs: 2800, exitCode: 0, restarts: 0 };
const task = (status: Task['status'], log?: string) => ({ id: 'T1', status, log }) as Task;

describe('task log lines', () => {
  it('the job line, with restarts and a rate limit when there were some', () => {
    expect(jobLines(job)).toEqual(['job p-T1-x, agent demo, 2.8s, exit 0']);
    expect(
      jobLines({ ...job, exitCode: 1, restarts: 1, rateLimit: '429 Too Many Requests' }),
    ).toEqual([
      'job p-T1-x, agent demo, 2.8s, exit 1, 1 restart(s)',
      'rate limited: 429 Too Many Requests',
    ]);
  });

  it('a failed job says why, what it printed last and where its work stays', () => {
    expect(
      failedJobLog({ ...job, exitCode: 1 }, 'agent failed (exit 1)', ['boom'], '/wt/T1'),
    ).toEqual([
      'job p-T1-x, agent demo, 2.8s, exit 1',
      'agent failed (exit 1)',
      'output: boom',
      'worktree kept: /wt/T1',
    ]);
  });

  it('a branch: at most five commits named, scope drift only when there is some', () => {
    const commits = ['a 1', 'b 2', 'c 3', 'd 4', 'e 5', 'f 6'];
    expect(branchLog(job, ['Summary: done'], 'f--T1', commits, [])).toEqual([
      'job p-T1-x, agent demo, 2.8s, exit 0',
      'Summary: done',
      'branch f--T1: 6 commit(s) — a 1; b 2; c 3; d 4; e 5',
    ]);
    expect(branchLog(job, [], 'f--T1', [], ['x.txt']).at(-1)).toBe(
      'scope drift: changed files outside its location: x.txt',
    );
  });

  it('an earlier Failed or Blocked attempt leaves one line: its first and last', () => {
    const earlier =
      '\n  - job p-T1-a, agent demo, 1.0s, exit 1\n  - output: boom\n  - worktree kept: /wt/T1';
    expect(withEarlierAttempt(task('Failed', earlier), ['job p-T1-b running'])).toBe(
      'job p-T1-b running\nearlier attempt (Failed): job p-T1-a, agent demo, 1.0s, exit 1; worktree kept: /wt/T1',
    );
    expect(withEarlierAttempt(task('Blocked', 'not started: T0 failed'), ['x'])).toBe(
      'x\nearlier attempt (Blocked): not started: T0 failed',
    );
    // Only one earlier attempt is carried, and never for a task that was not Failed or Blocked.
    const twice = withEarlierAttempt(
      task('Failed', 'job a, agent demo, 1.0s, exit 1\nearlier attempt (Failed): old'),
      ['y'],
    );
    expect(twice).toBe('y\nearlier attempt (Failed): job a, agent demo, 1.0s, exit 1');
    const running = 'job p-T1-a (agent demo) running in /wt/T1 on branch f--T1';
    expect(withEarlierAttempt(task('In Progress', running), ['z'])).toBe('z');
  });

  it("notes a person added under an earlier run's record are kept whole, not folded into its line", () => {
    const failedLog = [
      'job p-T1-a, agent demo, 1.0s, exit 1',
      'agent failed (exit 1)',
      'output: boom',
      'worktree kept: /wt/T1',
      'NOTE 1: flaky network',
      'NOTE 2: root cause is the proxy; next try: set NO_PROXY',
      'NOTE 3: do not touch src/legacy',
    ].join('\n');
    expect(withEarlierAttempt(task('Failed', failedLog), ['y'])).toBe(
      [
        'y',
        'earlier attempt (Failed): job p-T1-a, agent demo, 1.0s, exit 1; worktree kept: /wt/T1',
        'note: NOTE 1: flaky network',
        'note: NOTE 2: root cause is the proxy; next try: set NO_PROXY',
        'note: NOTE 3: do not touch src/legacy',
      ].join('\n'),
    );
  });

  it("a person's lines are kept as notes, by this run and every later one", () => {
    const notes = '\n  - 2026-03-01: tried approach A\n  - Root cause: the tokenizer\n  - ask ana';
    const first = withEarlierAttempt(task('Failed', notes), ['job p-T1-b, agent demo, 1s, exit 0']);
    expect(first).toBe(
      'job p-T1-b, agent demo, 1s, exit 0\nnote: 2026-03-01: tried approach A\nnote: Root cause: the tokenizer\nnote: ask ana',
    );
    expect(withEarlierAttempt(task('Not Started', '- note to self'), ['x'])).toBe(
      'x\nnote: note to self',
    );
    // The next run: the attempt is summed up in one line, the notes stay whole.
    const again = withEarlierAttempt(task('Failed', `${first}\nagent failed (exit 1)`), ['y']);
    expect(again).toBe(
      [
        'y',
        'earlier attempt (Failed): job p-T1-b, agent demo, 1s, exit 0; agent failed (exit 1)',
        'note: 2026-03-01: tried approach A',
        'note: Root cause: the tokenizer',
        'note: ask ana',
      ].join('\n'),
    );
  });
});
