/**
 * Branches and worktrees of a run: one integration branch per repo and plan (the one that is pushed),
 * a worktree per task branched from it, merged back when the task completes. Worktrees with work in
 * them are never deleted.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { locationMatcher } from '../graph/path-match.js';
import type { ResolvedRepo } from './repos.js';
import {
  branchExists,
  commitsBetween,
  filesChanged,
  git,
  gitOrThrow,
  isDirty,
  mergeBranch,
  revParse,
  worktreesByBranch,
} from './git.js';

export interface TaskWorkspace {
  repo: ResolvedRepo;
  worktree: string;
  branch: string;
  /** The integration branch's commit the task started from. */
  base: string;
}

export type FinishResult =
  | { ok: true; commits: string[]; filesEdited: string[]; merged: boolean }
  | { ok: false; reason: string; commits: string[]; filesEdited: string[] };

export class Workspace {
  /** Merges into one integration branch are serialised per repo. */
  private readonly mergeQueues = new Map<string, Promise<unknown>>();
  /** Per repo: the integration branch exists (checked once per run). */
  private readonly integrations = new Map<string, Promise<void>>();
  /** Per repo: where the integration branch is checked out (git lets it be checked out once). */
  private readonly integrationDirs = new Map<string, string>();
  /** Worktree removals under way (off the path from one task's end to the next one's start). */
  private readonly removals = new Set<Promise<unknown>>();

  constructor(
    readonly planId: string,
    readonly worktreeRoot: string,
    readonly isolation: 'task' | 'repo',
  ) {}

  get integrationBranch(): string {
    return `feature-${this.planId}`;
  }

  /** Creates the integration branch from the repo's HEAD when it does not exist yet (once per run). */
  ensureIntegration(repo: ResolvedRepo): Promise<void> {
    let done = this.integrations.get(repo.path);
    if (done === undefined) {
      done = this.createIntegration(repo);
      this.integrations.set(repo.path, done);
      done.catch(() => this.integrations.delete(repo.path));
    }
    return done;
  }

  private async createIntegration(repo: ResolvedRepo): Promise<void> {
    if (await branchExists(repo.path, this.integrationBranch)) return;
    const head = await revParse(repo.path, 'HEAD');
    if (head === undefined)
      throw new Error(`${repo.path} has no commit yet: ccglm branches from HEAD`);
    await gitOrThrow(repo.path, ['branch', this.integrationBranch, head]);
  }

  /** A worktree where the integration branch is checked out (existing one, or ccglm's own). */
  async integrationWorktree(repo: ResolvedRepo): Promise<string> {
    const known = this.integrationDirs.get(repo.path);
    if (known !== undefined && existsSync(known)) return known;
    let dir = (await worktreesByBranch(repo.path)).get(this.integrationBranch);
    if (dir === undefined) {
      dir = path.join(this.worktreeRoot, this.planId, '_integration', repo.name);
      mkdirSync(path.dirname(dir), { recursive: true });
      await gitOrThrow(repo.path, ['worktree', 'add', dir, this.integrationBranch]);
    }
    this.integrationDirs.set(repo.path, dir);
    return dir;
  }

  /** Git locks a repository's metadata while it adds a worktree: prepare one task per repo at a time. */
  prepareTask(taskId: string, repo: ResolvedRepo): Promise<TaskWorkspace> {
    return this.serialise(`prepare:${repo.path}`, () => this.prepareTaskNow(taskId, repo));
  }

  private async prepareTaskNow(taskId: string, repo: ResolvedRepo): Promise<TaskWorkspace> {
    await this.ensureIntegration(repo);
    if (this.isolation === 'repo') {
      const worktree = await this.integrationWorktree(repo);
      const base = (await revParse(repo.path, this.integrationBranch)) as string;
      return { repo, worktree, branch: this.integrationBranch, base };
    }
    const base = (await revParse(repo.path, this.integrationBranch)) as string;
    const wanted = `${this.integrationBranch}--${taskId}`;
    let worktree = path.join(this.worktreeRoot, this.planId, taskId, repo.name);
    // An earlier attempt's worktree may hold work: never reuse or delete it, take a new folder.
    for (let n = 2; existsSync(worktree); n += 1)
      worktree = path.join(this.worktreeRoot, this.planId, `${taskId}-${n}`, repo.name);
    mkdirSync(path.dirname(worktree), { recursive: true });
    // The common case, one git call: the task's branch does not exist yet.
    if ((await git(repo.path, ['worktree', 'add', '-b', wanted, worktree, base])).ok)
      return { repo, worktree, branch: wanted, base };
    const branch = await this.freeTaskBranch(repo, wanted, base);
    if (await branchExists(repo.path, branch)) {
      const previous = await revParse(repo.path, branch);
      const merged =
        previous !== undefined &&
        (await git(repo.path, ['merge-base', '--is-ancestor', previous, base])).ok;
      // Keep unmerged work of an earlier attempt on a backup branch before starting over.
      if (!merged)
        await gitOrThrow(repo.path, [
          'branch',
          '-f',
          `${branch}-attempt-${Date.now().toString(36)}`,
          branch,
        ]);
    }
    await gitOrThrow(repo.path, ['worktree', 'add', '-B', branch, worktree, base]);
    return { repo, worktree, branch, base };
  }

  /**
   * The task's branch, unless an earlier attempt still has it checked out: a worktree without work
   * (clean, nothing unmerged) is removed; one with work is kept and the new attempt takes `<branch>-N`.
   */
  private async freeTaskBranch(repo: ResolvedRepo, wanted: string, base: string): Promise<string> {
    const checkedOut = await worktreesByBranch(repo.path);
    for (let n = 1; ; n += 1) {
      const branch = n === 1 ? wanted : `${wanted}-${n}`;
      const dir = checkedOut.get(branch);
      if (dir === undefined) return branch;
      const tip = await revParse(repo.path, branch);
      const unmerged =
        tip !== undefined && !(await git(repo.path, ['merge-base', '--is-ancestor', tip, base])).ok;
      if (
        !unmerged &&
        !(await isDirty(dir)) &&
        (await git(repo.path, ['worktree', 'remove', dir])).ok
      ) {
        rmEmptyParent(path.dirname(dir));
        return branch;
      }
    }
  }

  /** After the agent exited 0: commits? merge into the integration branch; remove the merged worktree. */
  async finishTask(ws: TaskWorkspace, title: string): Promise<FinishResult> {
    const commits = await commitsBetween(ws.repo.path, ws.base, ws.branch);
    const filesEdited =
      commits.length > 0 ? await filesChanged(ws.repo.path, ws.base, ws.branch) : [];
    if (commits.length === 0)
      return {
        ok: false,
        reason: 'no commits: the agent exited 0 but committed nothing',
        commits,
        filesEdited,
      };
    if (this.isolation === 'repo')
      return { ok: true, commits, filesEdited, merged: true };
    const merge = await this.serialise(ws.repo.path, async () => {
      const target = await this.integrationWorktree(ws.repo);
      if (await isDirty(target))
        return {
          ok: false as const,
          conflicts: [],
          message: `the integration worktree ${target} has uncommitted changes`,
        };
      return mergeBranch(target, ws.branch, `Merge ${title}`);
    });
    if (!merge.ok) {
      const reason =
        merge.conflicts.length > 0
          ? `merge conflict in ${merge.conflicts.join(', ')} (the task's work stays on ${ws.branch} in ${ws.worktree})`
          : `merge into ${this.integrationBranch} failed: ${merge.message}`;
      return { ok: false, reason, commits, filesEdited };
    }
    return { ok: true, commits, filesEdited, merged: true };
  }

  /**
   * Removes a merged task's worktree and branch in the background: the next task need not wait for
   * it. `settled()` waits for all of them. What could not be removed is kept (and `ccglm clean` can
   * remove it later when it is merged or empty).
   */
  removeLater(ws: TaskWorkspace): void {
    const removal = this.serialise(`remove:${ws.repo.path}`, () => this.removeIfMerged(ws)).catch(
      () => false,
    );
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  async settled(): Promise<void> {
    while (this.removals.size > 0) await Promise.all([...this.removals]);
  }

  /** Removes a task worktree only when it is clean and its branch is merged. */
  async removeIfMerged(ws: TaskWorkspace): Promise<boolean> {
    if (this.isolation === 'repo') return false;
    const tip = await revParse(ws.repo.path, ws.branch);
    if (tip === undefined) return false;
    if (!(await git(ws.repo.path, ['merge-base', '--is-ancestor', tip, this.integrationBranch])).ok)
      return false;
    // git refuses to remove a worktree with changes or untracked files: those are kept.
    const removed = await git(ws.repo.path, ['worktree', 'remove', ws.worktree]);
    if (removed.ok) {
      // Deleted only while it still points at the merged commit.
      await git(ws.repo.path, ['update-ref', '-d', `refs/heads/${ws.branch}`, tip]);
      rmEmptyParent(path.dirname(ws.worktree));
    }
    return removed.ok;
  }

  private serialise<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.mergeQueues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.mergeQueues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }
}

/** Files outside every declared location (paths, folders, globs). */
export function scopeDrift(files: string[], locations: string[]): string[] {
  if (locations.length === 0) return [];
  const matchers = locations.map(locationMatcher);
  return files.filter((file) => !matchers.some((match) => match(file)));
}

function rmEmptyParent(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    /* not empty or gone: leave it */
  }
}
