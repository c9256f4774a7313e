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
      return dir;
    };
    return inQueue ? add() : this.queues.worktrees(repo.path).run(add);
  }

  /**
   * `--no-ff` merge of a task's branch into the integration branch, one at a time per repo. Where
   * the branch is checked out, `git merge` in that worktree keeps its files in step; elsewhere the
   * merge needs no worktree: `git merge-tree --write-tree`, `git commit-tree`, and a compare-and-swap
   * of the branch with `git update-ref` (a commit someone else added meanwhile is merged into, not
   * lost).
   */
  merge(repo: ResolvedRepo, task: TaskToMerge, awaited = true): Promise<MergeResult> {
    // Merges that tasks wait for go before those of tasks nothing depends on.
    return this.queues
      .merges(repo.path)
      .run(() => this.mergeNow(repo, task), awaited ? 'now' : 'soon');
  }

  private async mergeNow(repo: ResolvedRepo, task: TaskToMerge): Promise<MergeResult> {
    try {
      return await this.mergeOrThrow(repo, task);
    } catch (error) {
      // A git failure (no committer identity, a broken repository) fails this task, not the run.
      return { ok: false, conflicts: [], message: gitCause((error as Error).message) };
    }
  }

  private async mergeOrThrow(repo: ResolvedRepo, task: TaskToMerge): Promise<MergeResult> {
    await this.ensure(repo);
    const ref = `refs/heads/${this.name}`;
    const { tip } = await task.log;
    if (tip === undefined) return { ok: false, conflicts: [], message: 'no commits' };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      // Where the branch is now, and whether a worktree has it checked out (then: merge there).
      const { tip: ours, worktree } = await this.state(repo);
      if (ours === undefined || worktree !== undefined) break;
      this.tips.set(repo.path, ours);
      const merged = await mergeTrees(repo.path, ours, tip);
      if (merged.kind === 'unsupported') break;
      if (merged.kind === 'conflict')
        return { ok: false, conflicts: merged.files, message: 'merge conflict' };
      const commit = (
        await gitOrThrow(repo.path, [
          'commit-tree',
          merged.tree,
          '-p',
          ours,
          '-p',
          tip,
          '-m',
          task.message,
        ])
      ).trim();
      const reflog = `ccglm run: merge into ${this.name}`;
      if ((await git(repo.path, ['update-ref', '-m', reflog, ref, commit, ours])).ok) {
        this.tips.set(repo.path, commit);
        return { ok: true };
      }
      // The branch moved under us (someone committed to it): merge into what is there now.
    }
    const target = await this.worktree(repo);
    if (await isDirty(target))
      return {
        ok: false,
        conflicts: [],
        message: `the integration worktree ${target} has uncommitted changes`,
      };
    const result = await mergeBranch(target, tip, task.message);
    const now = await revParse(repo.path, ref);
    if (now !== undefined) this.tips.set(repo.path, now);
    return result;
  }
}

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

/** What a task's merge needs. */
export interface TaskToMerge {
  /** The merge commit's message. */
  message: string;
  /** Its commits (`git log base..branch`). */
  log: Promise<BranchLog>;
}
