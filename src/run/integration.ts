/**
 * The integration branch of a plan in each of its repos (`feature-<plan>`, the branch that is
 * pushed): created from HEAD when missing, merged into one task at a time, its tip kept in memory so
 * a task's worktree starts from it without asking git.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  branchState,
  git,
  gitOrThrow,
  isDirty,
  mergeBranch,
  mergeTrees,
  revParse,
  type BranchLog,
  type MergeResult,
} from './git.js';
import type { RepoQueues } from './repo-queue.js';
import type { ResolvedRepo } from './repos.js';

export class IntegrationBranch {
  /** Per repo: the branch exists (made once per run). */
  private readonly repos = new Map<string, Promise<void>>();
  /** Per repo: the branch's tip as this run last moved or read it. */
  private readonly tips = new Map<string, string>();
  /** Per repo: ccglm's own checkout of the branch, made by this run (removed at its end). */
  private readonly checkouts = new Map<string, string>();
  /** Per repo: merges asked for that wait for their batch (see merge). */
  private readonly waiting = new Map<string, Record<'now' | 'soon', WaitingMerge[]>>();

  constructor(
    readonly name: string,
    /** Where ccglm's own checkout of the branch goes when a merge needs one. */
    private readonly checkoutDir: (repo: ResolvedRepo) => string,
    private readonly queues: RepoQueues,
  ) {}

  /** The tip this run last merged or read (every completed task's work is in it). */
  tip(repo: ResolvedRepo): string | undefined {
    return this.tips.get(repo.path);
  }

  /** Creates the integration branch from the repo's HEAD when it does not exist yet (once per run). */
  ensure(repo: ResolvedRepo): Promise<void> {
    let made = this.repos.get(repo.path);
    if (made === undefined) {
      made = this.make(repo);
      this.repos.set(repo.path, made);
      made.catch(() => this.repos.delete(repo.path));
    }
    return made;
  }

  private async make(repo: ResolvedRepo): Promise<void> {
    let tip = await revParse(repo.path, `refs/heads/${this.name}`);
    if (tip === undefined) {
      const head = await revParse(repo.path, 'HEAD');
      if (head === undefined)
        throw new Error(`${repo.path} has no commit yet: ccglm branches from HEAD`);
      await gitOrThrow(repo.path, ['branch', this.name, head]);
      tip = head;
    }
    this.tips.set(repo.path, tip);
  }

  /**
   * The branch's tip and where it is checked out. git reads every worktree's admin folder for that
   * and fails on one being added right now, so this waits its turn in the repo's worktree queue
   * (unless the caller holds it: `inQueue`).
   */
  private state(repo: ResolvedRepo, inQueue = false): ReturnType<typeof branchState> {
    const read = () => branchState(repo.path, this.name);
    return inQueue ? read() : this.queues.worktrees(repo.path).run(read);
  }

  /**
   * A worktree where the integration branch is checked out (existing one, or ccglm's own). Adding
   * one takes the repo's worktree queue, unless the caller already holds it (`inQueue`).
   */
  async worktree(repo: ResolvedRepo, inQueue = false): Promise<string> {
    await this.ensure(repo);
    const checkedOut = (await this.state(repo, inQueue)).worktree;
    if (checkedOut !== undefined && existsSync(checkedOut)) return checkedOut;
    const add = async () => {
      const dir = this.checkoutDir(repo);
      mkdirSync(path.dirname(dir), { recursive: true });
      await gitOrThrow(repo.path, ['worktree', 'add', dir, this.name]);
      this.checkouts.set(repo.path, dir);
      return dir;
    };
    return inQueue ? add() : this.queues.worktrees(repo.path).run(add);
  }

  /**
   * Removes the checkouts of the branch this run made (`--isolation repo`, a merge without
   * merge-tree): left, the next run of a plan of the same name, in another repository of the same
   * name, would find the folder taken. git keeps one with changes (and so does this).
   */
  async removeCheckouts(): Promise<void> {
    await Promise.all(
      [...this.checkouts].map(([repoPath, dir]) =>
        this.queues.worktrees(repoPath).run(() => git(repoPath, ['worktree', 'remove', dir])),
      ),
    );
    this.checkouts.clear();
  }

  /**
   * `--no-ff` merge of a task's branch into the integration branch. Merges into one repo's branch go
   * one batch at a time: the merges asked for while the previous batch ran go together (those that
   * tasks wait for first), each its own merge commit, and the branch moves once per batch. Where the
   * branch is checked out, `git merge` in that worktree keeps its files in step; elsewhere a merge
   * needs no worktree: `git merge-tree --write-tree` and `git commit-tree` per task, then one
   * compare-and-swap of the branch with `git update-ref` (a commit someone else added meanwhile is
   * merged into, not lost).
   */
  merge(repo: ResolvedRepo, task: TaskToMerge, awaited = true): Promise<MergeResult> {
    const priority = awaited ? 'now' : 'soon';
    let waiting = this.waiting.get(repo.path);
    if (waiting === undefined) this.waiting.set(repo.path, (waiting = { now: [], soon: [] }));
    const batch = waiting[priority];
    return new Promise((resolve) => {
      batch.push({ task, resolve });
      // The first turn of this priority takes every merge waiting by then; later turns find none.
      void this.queues.merges(repo.path).run(async () => {
        const taken = batch.splice(0);
        if (taken.length === 0) return;
        const results = await this.mergeBatch(
          repo,
          taken.map((entry) => entry.task),
        );
        taken.forEach((entry, i) => entry.resolve(results[i] as MergeResult));
      }, priority);
    });
  }

  private async mergeBatch(repo: ResolvedRepo, tasks: TaskToMerge[]): Promise<MergeResult[]> {
    // A git failure (no committer identity, a broken repository) fails these tasks, not the run.
    const failed = (error: unknown) => failedWith(gitCause((error as Error).message));
    try {
      await this.ensure(repo);
      const tips = await Promise.all(
        tasks.map((task) =>
          task.log.then(
            (log) => log.tip ?? failedWith('no commits'),
            (error: unknown) => failed(error),
          ),
        ),
      );
      return (
        (await this.mergeTreesInto(repo, tasks, tips)) ??
        (await this.mergeInWorktree(repo, tasks, tips))
      );
    } catch (error) {
      return tasks.map(() => failed(error));
    }
  }

  /**
   * The batch merged without a worktree; undefined when it has to be merged in one (the branch is
   * checked out, or this git has no `merge-tree --write-tree`).
   */
  private async mergeTreesInto(
    repo: ResolvedRepo,
    tasks: TaskToMerge[],
    tips: (string | MergeResult)[],
  ): Promise<MergeResult[] | undefined> {
    const ref = `refs/heads/${this.name}`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      // Where the branch is now, and whether a worktree has it checked out (then: merge there),
      // read while the merges are made on the tip this run knows: they are used when that is it.
      const known = this.tips.get(repo.path);
      const early = known === undefined ? undefined : this.chain(repo, known, tasks, tips);
      early?.catch(() => undefined);
      const { tip: ours, worktree } = await this.state(repo);
      if (ours === undefined || worktree !== undefined) return undefined;
      this.tips.set(repo.path, ours);
      const made = await (ours === known && early ? early : this.chain(repo, ours, tasks, tips));
      if (made === undefined) return undefined;
      if (made.head === ours) return made.results;
      const reflog = `ccglm run: merge into ${this.name}`;
      if ((await git(repo.path, ['update-ref', '-m', reflog, ref, made.head, ours])).ok) {
        this.tips.set(repo.path, made.head);
        return made.results;
      }
      // The branch moved under us (someone committed to it): merge into what is there now.
    }
    return undefined;
  }

  /**
   * The batch's merge commits on `ours`, one per task that merges cleanly (nothing moves yet: the
   * commits are only objects); undefined when this git has no `merge-tree --write-tree`.
   */
  private async chain(
    repo: ResolvedRepo,
    ours: string,
    tasks: TaskToMerge[],
    tips: (string | MergeResult)[],
  ): Promise<{ head: string; results: MergeResult[] } | undefined> {
    let head = ours;
    const results: MergeResult[] = [];
    for (const [i, task] of tasks.entries()) {
      const tip = tips[i] as string | MergeResult;
      if (typeof tip !== 'string') {
        results.push(tip);
        continue;
      }
      const merged = await mergeTrees(repo.path, head, tip);
      if (merged.kind === 'unsupported') return undefined;
      if (merged.kind === 'conflict') {
        results.push({ ok: false, conflicts: merged.files, message: 'merge conflict' });
        continue;
      }
      const commit = ['commit-tree', merged.tree, '-p', head, '-p', tip, '-m', task.message];
      head = (await gitOrThrow(repo.path, commit)).trim();
      results.push({ ok: true });
    }
    return { head, results };
  }

  /** The batch merged one by one with `git merge` where the branch is checked out. */
  private async mergeInWorktree(
    repo: ResolvedRepo,
    tasks: TaskToMerge[],
    tips: (string | MergeResult)[],
  ): Promise<MergeResult[]> {
    const target = await this.worktree(repo);
    const results: MergeResult[] = [];
    for (const [i, task] of tasks.entries()) {
      const tip = tips[i] as string | MergeResult;
      if (typeof tip !== 'string') results.push(tip);
      else if (await isDirty(target))
        results.push(failedWith(`the integration worktree ${target} has uncommitted changes`));
      else results.push(await mergeBranch(target, tip, task.message));
    }
    const now = await revParse(repo.path, `refs/heads/${this.name}`);
    if (now !== undefined) this.tips.set(repo.path, now);
    return results;
  }
}

const failedWith = (message: string): MergeResult => ({ ok: false, conflicts: [], message });

/**
 * One line of a failed git command's message that says why: git's `fatal:`/`error:` line (its first
 * line is often progress, `Preparing worktree…`), after the git command that failed (its arguments
 * are object ids and paths: noise in a plan's log).
 */
export function gitCause(message: string): string {
  const lines = message.split('\n').map((line) => line.trim());
  const first = lines[0] ?? '';
  const why = lines.find((line) => /^(fatal|error): /.test(line));
  if (why === undefined) return first;
  const command = /^(git [\w-]+)\b.*? failed in /.exec(first)?.[1];
  const cause = why.replace(/^(fatal|error): /, '');
  const hint = /identity|email|user\.name/i.test(cause)
    ? ' (set git config user.name and user.email)'
    : '';
  return `${command === undefined ? '' : `${command} failed: `}${cause}${hint}`;
}

interface WaitingMerge {
  task: TaskToMerge;
  resolve: (result: MergeResult) => void;
}

/** What a task's merge needs. */
export interface TaskToMerge {
  /** The merge commit's message. */
  message: string;
  /** Its commits (`git log base..branch`). */
  log: Promise<BranchLog>;
}
