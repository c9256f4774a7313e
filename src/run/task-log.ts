/**
 * The lines a run writes into a task's `log` field, as pure functions of what happened: the job
 * line, why it failed, what its branch holds, and a line of an earlier attempt.
 */
import type { Task } from '../plan/types.js';
import { logLines } from '../plan/values.js';
import type { StartedTask } from './run-state.js';
import { formatDuration } from './summary.js';

export interface JobFacts {
  jobId: string;
  agent: string;
  durationMs: number;
  exitCode: number;
  /** Watchdog restarts of this attempt. */
  restarts: number;
  /** The rate-limit message of its output, if any. */
  rateLimit?: string;
}

/** `job X, agent A, 2.8s, exit 0[, 1 restart(s)]` and, when there was one, the rate-limit line. */
export function jobLines(job: JobFacts): string[] {
  return [
    `job ${job.jobId}, agent ${job.agent}, ${formatDuration(job.durationMs)}, exit ${job.exitCode}${job.restarts > 0 ? `, ${job.restarts} restart(s)` : ''}`,
    ...(job.rateLimit !== undefined ? [`rate limited: ${job.rateLimit}`] : []),
  ];
}

/** A job that did not succeed: why, what it printed last, where its work stays. */
export function failedJobLog(
  job: JobFacts,
  reason: string,
  output: string[],
  worktree: string,
  /** The commits it made before it failed (they stay on its branch), when it made any. */
  work?: { branch: string; commits: string[] },
) {
  return [
    ...jobLines(job),
    reason,
    ...output.map((line) => `output: ${line}`),
    ...(work !== undefined && work.commits.length > 0
      ? [`${branchLine(work.branch, work.commits)} (not merged)`]
      : []),
    `worktree kept: ${worktree}`,
  ];
}

/** `branch B: 2 commit(s) — abc one; def two` (a failed merge's retry reads the branch back from it). */
export function branchLine(branch: string, commits: string[]): string {
  return `branch ${branch}: ${commits.length} commit(s)${commits.length > 0 ? ` — ${commits.slice(0, 5).join('; ')}` : ''}`;
}

/** A job that succeeded: its summary, its branch's commits and files outside its location. */
export function branchLog(
  job: JobFacts,
  summary: string[],
  branch: string,
  commits: string[],
  drift: string[],
): string[] {
  return [
    ...jobLines(job),
    ...summary,
    branchLine(branch, commits),
    ...(drift.length > 0
      ? [`scope drift: changed files outside its location: ${drift.join(', ')}`]
      : []),
  ];
}

/**
 * How a log a run wrote begins (its record of an attempt: the job line, or why none ran); a log
 * that begins otherwise is a person's notes.
 */
const RUN_LOG =
  /^(job \S+(, agent | \(agent |: | left running)|not started: |earlier attempt|could not |merge (failed|retried)|target \S+ unreachable|its (job|work) |stalled after |no commits: |agent failed |killed |interrupted \(|dependency \S+ |(Failed|Blocked)$)/;
/** The lines a run writes below a log's first (task-log.ts, merge-work.ts, supervise.ts). */
const RUN_LINE =
  /^(rate limited: |output: |worktree kept: |branch \S+: \d+ commit\(s\)|scope drift: |merged into |merge retried: |Summary: |job \S+ |edited in the plan after |its \S+ changed in the plan|\S+ was (removed from|set \w+ in) the plan)/;
/** A line of a person's, kept from the plan's log by an earlier run. */
export const NOTE = 'note: ';

/**
 * `lines` as the log. Of the log the plan had: a person's lines are kept, each as `note: …` (and
 * kept again by every later run); an earlier run's record of a Failed or Blocked attempt leaves one
 * line, its first and its last (the job, and the reason or where the work was kept); an earlier
 * run's record of anything else is replaced.
 */
export function withEarlierAttempt(task: Task | undefined, lines: string[]): string {
  const earlier = logLines(task?.log);
  const notes = earlier.filter((line) => line.startsWith(NOTE));
  const rest = earlier.filter((line) => !line.startsWith(NOTE));
  if (rest.length > 0 && !RUN_LOG.test(rest[0] as string))
    return [...lines, ...notes, ...rest.map((line) => `${NOTE}${line}`)].join('\n');
  // An earlier run's record: its lines are known by their shape; any other line below its first
  // was added by a person (a note under a Failed task's log) and is kept as a note.
  const [head, ...body] = rest.filter((line) => !line.startsWith('earlier attempt'));
  const runs = (line: string) => RUN_LINE.test(line) || RUN_LOG.test(line);
  const own = body.filter(runs);
  const added = body.filter((line) => !runs(line)).map((line) => `${NOTE}${line}`);
  const attempt = head === undefined ? [] : [head, ...own];
  const failed = task?.status === 'Failed' || task?.status === 'Blocked';
  const kept = attempt.length > 1 ? [attempt[0], attempt[attempt.length - 1]] : attempt;
  const summary =
    failed && kept.length > 0 ? [`earlier attempt (${task.status}): ${kept.join('; ')}`] : [];
  return [...lines, ...summary, ...notes, ...added].join('\n');
}

/** What the plan says of an attempt cut off with its job host (no outcome will come). */
export function cutOffNote(entry: StartedTask, agentStopped: boolean): string {
  return `earlier attempt ${entry.attempt} (job ${entry.jobId}) was cut off: its job host died with the run${agentStopped ? ' and its agent, left unsupervised, was stopped' : ''}; its work, if any, stays on branch ${entry.branch} (worktree kept: ${entry.worktree})`;
}
