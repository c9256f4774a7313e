/**
 * The integration branch of a plan in each of its repos (`feature-<plan>`, the branch that is
 * pushed): created from HEAD when missing, merged into one task at a time, its tip kept in memory so
 * a task's worktree starts from it without asking git.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  checkedOutBranches,
  git,
  gitOrThrow,
  isDirty,
  mergeBranch,
  mergeTrees,
  revParse,
  worktreesByBranch,
  type BranchLog,
  type MergeResult,
} from './git.js';
import { CommitPipes } from './commit-pipes.js';
import type { RepoQueues } from './repo-queue.js';
import type { ResolvedRepo } from './repos.js';

export class IntegrationBranch {
  /** Per repo: the branch exists, and where the repository's files are (once per run). */
  private readonly repos = new Map<string, Promise<RepoInfo>>();
  /** Per repo: the branch's tip as this run last moved or read it. */
  private readonly tips = new Map<string, string>();
  /** Per repo: the processes that write merge commits and move the branch (undefined: one-shot git). */
  private readonly pipes = new Map<string, Promise<CommitPipes | undefined>>();

  constructor(
    readonly name: string,
    /** Where ccglm's own checkout of the branch goes when a merge needs one. */
    private readonly checkoutDir: (repo: ResolvedRepo) => string,
    private readonly queues: RepoQueues,
  ) {}

  /** Where branches are checked out: from the repository's files, else (reftable) from git. */
  private async checkouts(repo: ResolvedRepo, info: RepoInfo): Promise<Map<string, string>> {
    return (
      checkedOutBranches(info.commonDir, info.mainWorktree) ?? (await worktreesByBranch(repo.path))
    );
  }

  /** The tip this run last merged or read (every completed task's work is in it). */
  tip(repo: ResolvedRepo): string | undefined {
    return this.tips.get(repo.path);
  }

  /** Creates the integration branch from the repo's HEAD when it does not exist yet (once per run). */
  ensure(repo: ResolvedRepo): Promise<RepoInfo> {
    let info = this.repos.get(repo.path);
    if (info === undefined) {
      info = this.inspect(repo);
      this.repos.set(repo.path, info);
      info.catch(() => this.repos.delete(repo.path));
    }
    return info;
  }

  private async inspect(repo: ResolvedRepo): Promise<RepoInfo> {
    // Side by side: what the run needs to know of the repo before its first task starts.
    const [branchTip, head, commonDir, list] = await Promise.all([
      revParse(repo.path, `refs/heads/${this.name}`),
      revParse(repo.path, 'HEAD'),
      gitOrThrow(repo.path, ['rev-parse', '--git-common-dir']),
      gitOrThrow(repo.path, ['worktree', 'list', '--porcelain']),
    ]);
    let tip = branchTip;
    if (tip === undefined) {
      if (head === undefined)
        throw new Error(`${repo.path} has no commit yet: ccglm branches from HEAD`);
      await gitOrThrow(repo.path, ['branch', this.name, head]);
      tip = head;
    }
    this.tips.set(repo.path, tip);
    const first = list.split('\n\n')[0] ?? '';
    const main = /^worktree (.+)$/m.exec(first)?.[1];
    return {
      commonDir: path.resolve(repo.path, commonDir.trim()),
      mainWorktree: /^bare$/m.test(first) ? undefined : main,
    };
  }

  /**
   * A worktree where the integration branch is checked out (existing one, or ccglm's own). Adding
   * one takes the repo's worktree queue, unless the caller already holds it (`inQueue`).
   */
  async worktree(repo: ResolvedRepo, inQueue = false): Promise<string> {
    const info = await this.ensure(repo);
    const checkedOut = (await this.checkouts(repo, info)).get(this.name);
    if (checkedOut !== undefined && existsSync(checkedOut)) return checkedOut;
    const add = async () => {
      const dir = this.checkoutDir(repo);
      mkdirSync(path.dirname(dir), { recursive: true });
      await gitOrThrow(repo.path, ['worktree', 'add', dir, this.name]);
      return dir;
    };
    return inQueue ? add() : this.queues.worktrees(repo.path).run(add);
  }

  private commitPipes(repo: ResolvedRepo): Promise<CommitPipes | undefined> {
    let pipes = this.pipes.get(repo.path);
    if (pipes === undefined) {
      pipes = CommitPipes.open(repo.path, `ccglm run: merge into ${this.name}`).catch(
        () => undefined,
      );
      this.pipes.set(repo.path, pipes);
    }
    return pipes;
  }

  /** The run merges no more: its git processes end. */
  async close(): Promise<void> {
    const all = [...this.pipes.values()];
    this.pipes.clear();
    for (const pipes of await Promise.all(all)) pipes?.close();
  }

  /**
   * `--no-ff` merge of `tip` into the integration branch, one at a time per repo. Where the branch
   * is checked out, `git merge` in that worktree keeps its files in step; elsewhere the merge needs
   * no worktree: merge-tree, commit-tree, and a compare-and-swap of the branch (a commit someone
   * else added meanwhile is merged into, not lost).
   */
  merge(
    repo: ResolvedRepo,
    message: string,
    log: Promise<BranchLog>,
    awaited = true,
  ): Promise<MergeResult> {
    // Merges that tasks wait for go before those of tasks nothing depends on.
    return this.queues
      .merges(repo.path)
      .run(() => this.mergeNow(repo, message, log), awaited ? 'now' : 'soon');
  }

  private async mergeNow(
    repo: ResolvedRepo,
    message: string,
    log: Promise<BranchLog>,
  ): Promise<MergeResult> {
    try {
      return await this.mergeOrThrow(repo, message, log);
    } catch (error) {
      // A git failure (no committer identity, a broken repository) fails this task, not the run.
      return { ok: false, conflicts: [], message: (error as Error).message.split('\n')[0] ?? '' };
    }
  }

  private async mergeOrThrow(
    repo: ResolvedRepo,
    message: string,
    log: Promise<BranchLog>,
  ): Promise<MergeResult> {
    const info = await this.ensure(repo);
    const ref = `refs/heads/${this.name}`;
    const checkedOut = (await this.checkouts(repo, info)).has(this.name);
    // The commit merged is the one its parent names (read beside, usually done by now).
    const { tip } = await log;
    if (tip === undefined) return { ok: false, conflicts: [], message: 'no commits' };
    for (let attempt = 0; !checkedOut && attempt < 3; attempt += 1) {
      const ours = this.tips.get(repo.path) ?? (await revParse(repo.path, ref));
      if (ours === undefined) break;
      const merged = await mergeTrees(repo.path, ours, tip);
      if (merged.kind === 'unsupported') break;
      if (merged.kind === 'conflict')
        return { ok: false, conflicts: merged.files, message: 'merge conflict' };
      const pipes = await this.commitPipes(repo);
      const commit =
        (await pipes?.commit(merged.tree, [ours, tip], message)) ??
        (
          await gitOrThrow(repo.path, [
            'commit-tree',
            merged.tree,
            '-p',
            ours,
            '-p',
            tip,
            '-m',
            message,
          ])
        ).trim();
      const moved =
        pipes !== undefined
          ? await pipes.moveRef(ref, commit, ours)
          : (await git(repo.path, ['update-ref', '-m', message, ref, commit, ours])).ok;
      if (moved) {
        this.tips.set(repo.path, commit);
        return { ok: true };
      }
      // The branch moved under us (someone committed to it): merge into what is there now (and a
      // task starting meanwhile starts from there too).
      const now = await revParse(repo.path, ref);
      if (now !== undefined) this.tips.set(repo.path, now);
    }
    const target = await this.worktree(repo);
    if (await isDirty(target))
      return {
        ok: false,
        conflicts: [],
        message: `the integration worktree ${target} has uncommitted changes`,
      };
    const result = await mergeBranch(target, tip, message);
    const now = await revParse(repo.path, ref);
    if (now !== undefined) this.tips.set(repo.path, now);
    return result;
  }
}

export interface RepoInfo {
  /** The repository's common git folder (`.git` of the main worktree). */
  commonDir: string;
  /** The main worktree's folder; undefined for a bare repository. */
  mainWorktree: string | undefined;
}
