/**
 * Task worktrees made once and reused: a merged task's clean worktree waits here for the next task
 * of its repo, which takes it instead of adding a worktree (see ARCHITECTURE.md, the git layer).
 */
import path from 'node:path';
import { git } from './git.js';
import type { ResolvedRepo } from './repos.js';
import { removeIfEmpty, type BranchDeletions } from './worktree-cleanup.js';

/** A task's worktree and branch (see workspace.ts). */
export interface TaskWorkspace {
  repo: ResolvedRepo;
  worktree: string;
  branch: string;
  /** The integration branch's commit the task started from. */
  base: string;
  /**
   * Taken from the pool ahead of its task: still on its last task's merged branch (`branch`, at
   * `base`) until its task starts (switchBranch).
   */
  pooled?: true;
}

/** A merged, clean worktree waiting for its next task, and its branch's merged tip. */
export interface Pooled {
  ws: TaskWorkspace;
  tip: string;
}

export class WorktreePool {
  /** Per repo: the worktrees waiting. */
  private readonly byRepo = new Map<string, Pooled[]>();
  /** Taken but not reusable after all (git refused): removed at the end with the rest. */
  private readonly failed: Pooled[] = [];

  /**
   * Pooled once `git status` says the worktree is clean; its ignored files, if it has any, are
   * cleaned away (as a removal would take them). One with changes or untracked files is not pooled.
   */
  async add(ws: TaskWorkspace, tip: string): Promise<void> {
    const status = await git(ws.worktree, ['status', '--porcelain', '--ignored'], {
      background: true,
    });
    if (!status.ok) return;
    const entries = status.stdout.split('\n').filter((line) => line !== '');
    if (entries.some((line) => !line.startsWith('!! '))) return;
    if (
      entries.length > 0 &&
      !(await git(ws.worktree, ['clean', '-ffdXq'], { background: true })).ok
    )
      return;
    let list = this.byRepo.get(ws.repo.path);
    if (list === undefined) this.byRepo.set(ws.repo.path, (list = []));
    list.push({ ws, tip });
  }

  /**
   * A pooled worktree moved to a task's folder (`git worktree move`), still on its last task's
   * merged branch, at that branch's tip (`base`). Undefined when the pool is empty or git refused.
   */
  async take(repo: ResolvedRepo, folder: string): Promise<TaskWorkspace | undefined> {
    const pooled = this.byRepo.get(repo.path)?.pop();
    if (pooled === undefined) return undefined;
    const { ws, tip } = pooled;
    if (!(await git(repo.path, ['worktree', 'move', ws.worktree, folder])).ok) {
      this.failed.push(pooled);
      return undefined;
    }
    removeIfEmpty(path.dirname(ws.worktree));
    return { repo, worktree: folder, branch: ws.branch, base: tip, pooled: true };
  }

  /**
   * A taken worktree put on its task's new branch at `base` (`git checkout -b`, which refuses a
   * branch that exists: an earlier attempt's is handled by the slow path that keeps unmerged work).
   * Its last task's branch (merged) goes to `deletions`. Undefined when git refused.
   */
  async switchBranch(
    ws: TaskWorkspace,
    branch: string,
    base: string,
    deletions: BranchDeletions,
  ): Promise<TaskWorkspace | undefined> {
    // As `git worktree add` checks out: submodules are left alone even with submodule.recurse.
    const checkout = ['checkout', '-q', '--no-recurse-submodules', '-b', branch, base];
    if (!(await git(ws.worktree, checkout)).ok) return undefined;
    deletions.add(ws.repo, ws.branch, ws.base);
    return { repo: ws.repo, worktree: ws.worktree, branch, base };
  }

  /** The repo's pooled worktrees beyond the first `keep`, taken out of the pool (for removal). */
  spare(repoPath: string, keep: number): Pooled[] {
    const list = this.byRepo.get(repoPath) ?? [];
    return list.splice(0, Math.max(0, list.length - keep));
  }

  /** Everything pooled, for removal at the end; the pool is empty after. */
  drain(): Pooled[] {
    const left = [...this.failed.splice(0), ...[...this.byRepo.values()].flat()];
    this.byRepo.clear();
    return left;
  }
}
