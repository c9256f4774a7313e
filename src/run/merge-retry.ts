/**
 * A failed merge is not a failed agent: a task whose agent completed but whose merge failed (a
 * conflict, no git identity, a locked ref) keeps its commits on its branch, and the plan says so
 * (status Failed, a log line starting with MERGE_FAILED and the branch line). The next run, plain or
 * --resume, reads that from the plan and, while the branch is still there, merges it instead of
 * running the agent again. The plan and git are the truth; nothing else is kept.
 */
import type { Task } from '../plan/types.js';
import { logLines } from '../plan/values.js';
import { git, revParse, worktreesByBranch } from './git.js';

const MERGE_FAILED = 'agent completed; merge failed:';

/**
 * The log line of a task whose merge failed. A conflict fails again until it is resolved on the
 * task's branch: the line says how (`integration`: the branch it merges into).
 */
export function mergeFailedLine(cause: string, integration?: string): string {
  const conflict = cause.startsWith('merge conflict') && integration !== undefined;
  return `${MERGE_FAILED} ${cause}; ${conflict ? `resolve it on the task's branch (in its worktree: git merge ${integration}, fix, commit), then re-run: it retries the merge, not the agent` : 're-run retries the merge'}`;
}

/**
 * The branch holding the work of a task whose merge failed, read from its plan entry; undefined
 * for any other task (what an earlier attempt's line says does not count).
 */
export function failedMergeBranch(task: Task): string | undefined {
  if (task.status !== 'Failed' || task.log === undefined) return undefined;
  const lines = logLines(task.log).filter((line) => !line.startsWith('earlier attempt'));
  if (!lines.some((line) => line.startsWith(MERGE_FAILED))) return undefined;
  for (const line of lines) {
    // The line task-log.ts's branchLine writes.
    const match = /^branch (\S+): \d+ commit\(s\)/.exec(line);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/** Where a task's unmerged work is: its branch's tip, where it left the integration branch, its worktree. */
export interface RetryBranch {
  tip: string;
  /** The merge base with the integration branch (the tip itself when already merged). */
  base: string;
  /** Where the branch is checked out; '' when nowhere. */
  worktree: string;
}

/** The branch's state in git; undefined when the branch is gone (the agent runs again then). */
export async function readRetryBranch(
  repoPath: string,
  integration: string,
  branch: string,
): Promise<RetryBranch | undefined> {
  // A task's branch, or the ref a target's task branch was fetched to (refs/ccglm/targets/…).
  const tip = await revParse(
    repoPath,
    branch.startsWith('refs/') ? branch : `refs/heads/${branch}`,
  );
  if (tip === undefined) return undefined;
  const base = await git(repoPath, ['merge-base', `refs/heads/${integration}`, tip]);
  if (!base.ok) return undefined;
  const worktree = (await worktreesByBranch(repoPath)).get(branch) ?? '';
  return { tip, base: base.stdout.trim(), worktree };
}
