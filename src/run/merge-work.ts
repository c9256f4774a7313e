/**
 * A successful agent's work into the integration branch (workspace.finishTask), for a task run here
 * or on a target alike: Completed, or Failed with the MERGE_FAILED line and its branch kept (the
 * next run retries the merge, not the agent; merge-retry.ts).
 */
import type { Task } from '../plan/types.js';
import type { Attempt } from './attempt.js';
import { mergeFailedLine } from './merge-retry.js';
import type { RunCore } from './run-core.js';
import { scopeDrift } from './scope-drift.js';
import { branchLog, type JobFacts } from './task-log.js';

export async function mergeWork(
  core: RunCore,
  attempt: Attempt,
  job: JobFacts,
  /** The agent's summary lines (its output's tail). */
  summary: string[],
  /** Told the merged tip: the worktree back to the pool, a fetched ref removed. */
  merged: (tip: string) => void,
): Promise<void> {
  const task = core.tasks.get(attempt.taskId) as Task;
  const { workspace } = core;
  const finish = await workspace.finishTask(
    attempt.ws,
    `${task.id}: ${task.name}`,
    core.scheduler.isAwaited(task.id),
  );
  const drift = scopeDrift(
    finish.filesEdited,
    (task.location ?? []).map((entry) => entry.path),
  );
  const log = branchLog(job, summary, attempt.ws.branch, finish.commits, drift);
  const facts = {
    commits: finish.commits,
    filesEdited: finish.filesEdited,
    durationMs: job.durationMs,
  };
  if (!finish.ok) {
    const merge = finish.kind === 'merge';
    // A task on a target has no worktree left there: its work is the fetched branch.
    const kept = merge && attempt.target === undefined;
    await core.finishAttempt(attempt, 'Failed', {
      reason: merge ? `merge failed: ${finish.reason}` : finish.reason,
      exitCode: 0,
      ...facts,
      log: [
        ...log,
        ...(kept ? [`worktree kept: ${attempt.ws.worktree}`] : []),
        merge ? mergeFailedLine(finish.reason, workspace.integration.name) : finish.reason,
      ],
    });
    return;
  }
  log.push(`merged into ${workspace.integration.name}`);
  merged(finish.tip);
  await core.finishAttempt(attempt, 'Completed', { exitCode: 0, ...facts, log });
}
