/**
 * The task worktrees of a run: one per task, branched from the integration branch (integration.ts),
 * made ahead while dependencies run, merged back when the task completes, then reused by the next
 * task of the repo (a pool) and removed at the end of the run.
 * Worktrees with work in them are never deleted.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedRepo } from './repos.js';
import {
  branchCommits,
  filesChanged,
  git,
  gitOrThrow,
  isAncestor,
  isDirty,
  revParse,
  worktreesByBranch,
} from './git.js';
import { IntegrationBranch } from './integration.js';
import { RepoQueues, type RepoQueue } from './repo-queue.js';
import { BranchDeletions, readdirOrNone, removeIfEmpty } from './worktree-cleanup.js';
import { WorktreePool, type TaskWorkspace } from './worktree-pool.js';

/** How long making a worktree ahead waits after its task became upcoming (see prepareAhead). */
const AHEAD_PAUSE_MS = 200;

export type FinishResult =
  | { ok: true; commits: string[]; filesEdited: string[]; tip: string }
  | {
      ok: false;
      /** `merge`: the agent's commits are there, only their merge failed (a re-run retries it). */
      kind: 'no-commits' | 'merge';
      reason: string;
      commits: string[];
      filesEdited: string[];
    };

/** A task's branch: `<integration branch>--<task id>`. */
export const taskBranchOf = (integration: string, taskId: string): string =>
  `${integration}--${taskId}`;

export class Workspace {
  /** Git work per repo, one piece at a time: worktree changes, and merges (see repo-queue.ts). */
  private readonly queues = new RepoQueues();
  readonly integration: IntegrationBranch;
  /** Worktree removals under way (off the path from one task's end to the next one's start). */
  private readonly removals = new Set<Promise<unknown>>();
  /** Per repo: branches of removed worktrees, deleted together when the run settles. */
  private readonly deletions = new BranchDeletions();
  /** Worktrees made ahead of their task's start, by task id. */
  private readonly ahead = new Map<string, AheadEntry>();
  /** Merged, clean task worktrees waiting to be reused by the next task (see release). */
  private readonly pool = new WorktreePool();

  constructor(
    readonly planId: string,
    readonly worktreeRoot: string,
    readonly isolation: 'task' | 'repo',
  ) {
    this.integration = new IntegrationBranch(
      `feature-${planId}`,
      (repo) => path.join(worktreeRoot, planId, '_integration', path.basename(repo.path)),
      this.queues,
    );
  }

  private worktreeQueue(repo: ResolvedRepo): RepoQueue {
    return this.queues.worktrees(repo.path);
  }

  /**
   * A task's worktree, made in the repo's worktree queue; a worktree made ahead (`prepareAhead`) only
   * moves to the latest integration commit, which needs no place in it (one removed meanwhile is
   * made again).
   */
  async prepareTask(taskId: string, repo: ResolvedRepo): Promise<TaskWorkspace> {
    const early = this.ahead.get(taskId);
    this.ahead.delete(taskId);
    early?.hurry();
    const made = early === undefined ? undefined : await early.made;
    if (made !== undefined && !existsSync(made.worktree)) {
      // Removed from under the run (by hand): git forgets it, and the task gets a new one below.
      await this.worktreeQueue(repo).run(() => git(repo.path, ['worktree', 'prune']));
    } else if (made !== undefined) {
      // Made from an earlier integration commit: moved to the one every dependency is in now.
      const base = this.integration.tip(repo) ?? made.base;
      if (made.pooled === true) {
        // A pooled worktree, still on its last task's merged branch: onto the task's own now.
        const wanted = this.taskBranch(taskId);
        const switched = await this.pool.switchBranch(made, wanted, base, this.deletions);
        if (switched !== undefined) return switched;
      } else {
        if (base === made.base) return made;
        // As `git worktree add` checks out: submodules are left alone even with submodule.recurse.
        const reset = ['reset', '--hard', '--quiet', '--no-recurse-submodules', base];
        if ((await git(made.worktree, reset)).ok) return { ...made, base };
      }
      this.dropLater(made);
    }
    return this.worktreeQueue(repo).run(() => this.prepareTaskNow(taskId, repo));
  }

  /**
   * Makes a task's worktree before the task is ready (its dependencies still run), while the
   * machine waits on agents; the task's start then costs one `git reset`. Task isolation only.
   */
  prepareAhead(taskId: string, repo: ResolvedRepo): void {
    if (this.isolation !== 'task' || this.ahead.has(taskId)) return;
    // After a pause (`hurry` ends it): the tasks that just started (and just ended) go first.
    let hurry = () => {};
    const pause = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, AHEAD_PAUSE_MS);
      hurry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const entry: AheadEntry = { made: Promise.resolve(undefined), hurry, dropped: false };
    // Not made when its task was dropped before its turn came (blocked, or the run ended).
    const make = async () => (entry.dropped ? undefined : this.prepareTaskNow(taskId, repo, true));
    entry.made = pause
      .then(() => this.worktreeQueue(repo).run(make, 'soon'))
      .catch(() => undefined);
    this.ahead.set(taskId, entry);
  }

  /** A task that will not start (blocked): its worktree made ahead goes, or is never made. */
  dropAhead(taskId: string): Promise<void> {
    const entry = this.ahead.get(taskId);
    if (entry === undefined) return Promise.resolve();
    this.ahead.delete(taskId);
    entry.dropped = true;
    entry.hurry();
    const dropped = entry.made.then((made) => {
      if (made !== undefined) this.dropLater(made);
    });
    this.track(dropped);
    return dropped;
  }

  /** Tasks with a worktree made (or being made) ahead that has not been taken yet. */
  get aheadCount(): number {
    return this.ahead.size;
  }

  /** Worktrees made ahead for tasks that never started (blocked, interrupted) are removed. */
  async discardAhead(): Promise<void> {
    await Promise.all([...this.ahead.keys()].map((taskId) => this.dropAhead(taskId)));
  }

  /** Removes an unused worktree and its branch (made ahead, never given to an agent: still at its base). */
  private dropLater(ws: TaskWorkspace): void {
    this.track(this.worktreeQueue(ws.repo).run(() => this.remove(ws, ws.base), 'idle'));
  }

  /** Background work `settled()` waits for; the promise returned never rejects. */
  private track(work: Promise<unknown>): Promise<void> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.removals.add(settled);
    void settled.finally(() => this.removals.delete(settled));
    return settled;
  }

  private async prepareTaskNow(
    taskId: string,
    repo: ResolvedRepo,
    ahead = false,
  ): Promise<TaskWorkspace> {
    await this.integration.ensure(repo);
    if (this.isolation === 'repo') {
      const worktree = await this.integration.worktree(repo, true);
      const base = (await revParse(repo.path, this.integration.name)) as string;
      return { repo, worktree, branch: this.integration.name, base };
    }
    // The tip this run merged last: every completed dependency is in it.
    const base = this.integration.tip(repo) as string;
    const wanted = this.taskBranch(taskId);
    // The common case, one git call: neither the task's branch nor its folder exists yet. Made
    // ahead, nobody waits for it yet, so it yields the CPU to those who do.
    const first = this.taskFolder(taskId, repo);
    if (!existsSync(first)) {
      mkdirSync(path.dirname(first), { recursive: true });
      // A pooled worktree, moved here; made ahead, it goes onto the task's branch when the task
      // starts (at the base it starts from: one git command then, as a worktree made here needs).
      const reused = await this.pool.take(repo, first);
      if (reused !== undefined && ahead) return reused;
      const switched =
        reused && (await this.pool.switchBranch(reused, wanted, base, this.deletions));
      if (switched) return switched;
      if (reused !== undefined) this.dropLater(reused);
      const add = ['worktree', 'add', '-b', wanted, first, base];
      if ((await git(repo.path, add, { background: ahead })).ok)
        return { repo, worktree: first, branch: wanted, base };
    }
    // An earlier attempt's worktree: removed when nothing is in it, else kept (see freeTaskBranch).
    const branch = await this.freeTaskBranch(repo, wanted, base);
    const worktree = this.taskFolder(taskId, repo);
    mkdirSync(path.dirname(worktree), { recursive: true });
    const previous = await revParse(repo.path, `refs/heads/${branch}`);
    // Keep unmerged work of an earlier attempt on a backup branch before starting over.
    if (previous !== undefined && !(await isAncestor(repo.path, previous, base))) {
      const backup = `${branch}-attempt-${Date.now().toString(36)}`;
      await gitOrThrow(repo.path, ['branch', '-f', backup, branch]);
    }
    await gitOrThrow(repo.path, ['worktree', 'add', '-B', branch, worktree, base]);
    return { repo, worktree, branch, base };
  }

  private taskBranch(taskId: string): string {
    return taskBranchOf(this.integration.name, taskId);
  }

  /** The first free folder for a task's worktree: an earlier attempt's one is never reused. */
  private taskFolder(taskId: string, repo: ResolvedRepo): string {
    // One folder name, never a path (`..` in it made every candidate the same folder: a loop).
    const leaf = path.basename(repo.path);
    let folder = path.join(this.worktreeRoot, this.planId, taskId, leaf);
    for (let n = 2; existsSync(folder); n += 1)
      folder = path.join(this.worktreeRoot, this.planId, `${taskId}-${n}`, leaf);
    return folder;
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
      const unmerged = tip !== undefined && !(await isAncestor(repo.path, tip, base));
      if (
        !unmerged &&
        !(await isDirty(dir)) &&
        (await git(repo.path, ['worktree', 'remove', dir])).ok
      ) {
        removeIfEmpty(path.dirname(dir));
        return branch;
      }
    }
  }

  /**
   * After the agent exited 0: commits? merge into the integration branch. The merged worktree is
   * released (`release`): reused by a later task, or removed at the end.
   */
  async finishTask(ws: TaskWorkspace, title: string, awaited = true): Promise<FinishResult> {
    // What the task did (the agent has exited: its branch no longer moves): its commits, which the
    // merge needs, and the files it edited, read beside the merge.
    const log = branchCommits(ws.repo.path, ws.base, ws.branch);
    log.catch(() => undefined); // awaited below; a failure is reported there
    const files = filesChanged(ws.repo.path, ws.base, ws.branch, { background: true }).catch(
      () => [] as string[],
    );
    const merge =
      this.isolation === 'repo'
        ? ({ ok: true } as const)
        : await this.integration.merge(ws.repo, { message: `Merge ${title}`, log }, awaited);
    const { tip, commits } = await log;
    if (tip === undefined) {
      // An agent that switched its worktree to another branch committed there, not on its own.
      const head = await git(ws.worktree, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
      const moved = head.ok ? head.stdout.trim() : 'a detached HEAD';
      return {
        ok: false,
        kind: 'no-commits',
        reason:
          this.isolation === 'task' && moved !== ws.branch
            ? `no commits on ${ws.branch}: the agent switched its worktree to ${moved} (what it committed there is not merged by ccglm; see git -C ${ws.worktree} log)`
            : 'no commits: the agent exited 0 but committed nothing',
        commits,
        filesEdited: [],
      };
    }
    const filesEdited = await files;
    if (!merge.ok) {
      const reason =
        merge.conflicts.length > 0
          ? `merge conflict in ${merge.conflicts.join(', ')} (the task's work stays on ${ws.branch} in ${ws.worktree})`
          : `merge into ${this.integration.name} failed: ${merge.message}`;
      return { ok: false, kind: 'merge', reason, commits, filesEdited };
    }
    return { ok: true, commits, filesEdited, tip };
  }

  /**
   * A merged task's worktree goes back to its repo's pool (worktree-pool.ts) for the next task of
   * that repo, when clean; one with changes or untracked files is kept as it is. What is left in
   * the pool is removed when the run settles.
   */
  release(ws: TaskWorkspace, tip: string): Promise<void> {
    if (this.isolation === 'repo' || ws.branch === this.integration.name) return Promise.resolve();
    return this.track(this.pool.add(ws, tip));
  }

  /**
   * Pooled worktrees no task will take are removed now, in the background, not at the end of the
   * run: those beyond the number of `waiting` tasks (of the repo, not started yet) without a
   * worktree made ahead. Once the last tasks have started, the pool empties while they run.
   */
  trimPool(repo: ResolvedRepo, waiting: string[]): void {
    const keep = waiting.filter((id) => !this.ahead.has(id)).length;
    for (const { ws, tip } of this.pool.spare(repo.path, keep))
      this.track(this.worktreeQueue(repo).run(() => this.remove(ws, tip), 'idle'));
  }

  /**
   * A Completed task's worktree and branch that an earlier run left (it died before removing them):
   * removed as a released worktree is at the end, only when the branch is merged into the integration branch; a
   * worktree with changes or untracked files is kept (git refuses to remove it), and so its branch.
   */
  removeMerged(ws: TaskWorkspace): void {
    if (this.isolation === 'repo' || ws.branch === this.integration.name) return;
    this.track(this.removeMergedNow(ws));
  }

  private async removeMergedNow(ws: TaskWorkspace): Promise<void> {
    const tip = await revParse(ws.repo.path, `refs/heads/${ws.branch}`);
    if (tip === undefined) return;
    if (!(await isAncestor(ws.repo.path, tip, `refs/heads/${this.integration.name}`))) return;
    if (existsSync(ws.worktree)) {
      await this.worktreeQueue(ws.repo).run(() => this.remove(ws, tip), 'idle');
      return;
    }
    // Its worktree is gone already: only git's note of it (pruned) and the branch are left.
    await git(ws.repo.path, ['worktree', 'prune'], { background: true });
    this.deletions.add(ws.repo, ws.branch, tip);
  }

  /** Waits for every removal, cutting the pauses of worktrees made ahead short. */
  async settled(): Promise<void> {
    for (const entry of this.ahead.values()) entry.hurry();
    while (this.removals.size > 0) await Promise.all([...this.removals]);
    await Promise.all(
      this.pool
        .drain()
        .map(({ ws, tip }) => this.worktreeQueue(ws.repo).run(() => this.remove(ws, tip), 'idle')),
    );
    await this.deletions.run();
    await this.integration.removeCheckouts();
    // Task folders left empty (an earlier attempt's `T3-2`, a checkout that could not be made) go,
    // and the plan's folder under the worktree root too once nothing is left in it.
    const planFolder = path.join(this.worktreeRoot, this.planId);
    for (const name of readdirOrNone(planFolder)) removeIfEmpty(path.join(planFolder, name));
    removeIfEmpty(planFolder);
  }

  private async remove(ws: TaskWorkspace, tip: string): Promise<boolean> {
    // git refuses to remove a worktree with changes or untracked files: those are kept.
    const removed = await git(ws.repo.path, ['worktree', 'remove', ws.worktree], {
      background: true,
    });
    if (!removed.ok) return false;
    // Deleted only while it still points at the merged commit.
    this.deletions.add(ws.repo, ws.branch, tip);
    removeIfEmpty(path.dirname(ws.worktree));
    return true;
  }
}

/** A worktree being made ahead of its task's start (see prepareAhead). */
interface AheadEntry {
  made: Promise<TaskWorkspace | undefined>;
  /** Ends its pause: made now. */
  hurry: () => void;
  /** Its task will not start: not made, or removed once made. */
  dropped: boolean;
}
