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
  gitEnv,
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
import { disjoint, TreeMerger, type TaskDiff } from './tree-merge.js';
import type { RepoQueues } from './repo-queue.js';
import type { ResolvedRepo } from './repos.js';

export class IntegrationBranch {
  /** Per repo: the branch exists, and where the repository's files are (once per run). */
  private readonly repos = new Map<string, Promise<RepoInfo>>();
  /** Per repo: the branch's tip as this run last moved or read it. */
  private readonly tips = new Map<string, string>();
  /** Per repo: the processes that write merge commits and move the branch (undefined: one-shot git). */
  private readonly pipes = new Map<string, Promise<CommitPipes | undefined>>();
  /** Per repo: the processes that read and write trees for merges made here (tree-merge.ts). */
  private readonly mergers = new Map<string, TreeMerger>();
  /** Per repo: this run's merges since the branch's tip was last read (see mergedHere). */
  private readonly ledgers = new Map<string, LedgerEntry[]>();
  /** How many merges got their tree here rather than from git (the merge property test reads it). */
  mergedHereCount = 0;

  constructor(
    readonly name: string,
    /** Where ccglm's own checkout of the branch goes when a merge needs one. */
    private readonly checkoutDir: (repo: ResolvedRepo) => string,
    private readonly queues: RepoQueues,
  ) {}

  /** Where branches are checked out: from the repository's files, else (reftable) from git. */
  private async checkouts(repo: ResolvedRepo, info: RepoInfo): Promise<Map<string, string>> {
    return (
      checkedOutBranches(info.commonDir, info.mainWorktree, this.name) ??
      (await worktreesByBranch(repo.path))
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

  private merger(repo: ResolvedRepo): TreeMerger {
    let merger = this.mergers.get(repo.path);
    if (merger === undefined) {
      merger = new TreeMerger(repo.path, gitEnv());
      this.mergers.set(repo.path, merger);
    }
    return merger;
  }

  /** What a task's branch changed since its base, read in this process (undefined: unreadable). */
  taskDiff(repo: ResolvedRepo, base: string, branch: string): Promise<TaskDiff | undefined> {
    return this.merger(repo)
      .taskDiff(base, branch)
      .catch(() => undefined);
  }

  /** The run merges no more: its git processes end. */
  async close(): Promise<void> {
    const all = [...this.pipes.values()];
    this.pipes.clear();
    for (const pipes of await Promise.all(all)) pipes?.close();
    for (const merger of this.mergers.values()) merger.close();
    this.mergers.clear();
  }

  /**
   * `--no-ff` merge of a task's branch into the integration branch, one at a time per repo. Where
   * the branch is checked out, `git merge` in that worktree keeps its files in step; elsewhere the
   * merge needs no worktree: the merged tree (tree-merge.ts, else merge-tree), a commit, and a
   * compare-and-swap of the branch (a commit someone else added meanwhile is merged into, not lost).
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
    const info = await this.ensure(repo);
    const ref = `refs/heads/${this.name}`;
    const checkedOut = (await this.checkouts(repo, info)).has(this.name);
    // The commit merged is the newest of the task's log (read in this process where it can be).
    const diff = await task.diff;
    const { tip } = await task.log;
    if (tip === undefined) return { ok: false, conflicts: [], message: 'no commits' };
    for (let attempt = 0; !checkedOut && attempt < 3; attempt += 1) {
      const ours = this.tips.get(repo.path) ?? (await revParse(repo.path, ref));
      if (ours === undefined) break;
      let tree = await this.mergedHere(repo, ours, task.base, diff);
      const here = tree !== undefined;
      if (tree === undefined) {
        const merged = await mergeTrees(repo.path, ours, tip);
        if (merged.kind === 'unsupported') break;
        if (merged.kind === 'conflict')
          return { ok: false, conflicts: merged.files, message: 'merge conflict' };
        tree = merged.tree;
      }
      const pipes = await this.commitPipes(repo);
      const commit =
        (await pipes?.commit(tree, [ours, tip], task.message)) ??
        (
          await gitOrThrow(repo.path, [
            'commit-tree',
            tree,
            '-p',
            ours,
            '-p',
            tip,
            '-m',
            task.message,
          ])
        ).trim();
      const moved =
        pipes !== undefined
          ? await pipes.moveRef(ref, commit, ours)
          : (await git(repo.path, ['update-ref', '-m', task.message, ref, commit, ours])).ok;
      if (moved) {
        this.tips.set(repo.path, commit);
        if (here) this.mergedHereCount += 1;
        await this.record(repo, ours, { commit, tree, here, diff });
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
    const result = await mergeBranch(target, tip, task.message);
    const now = await revParse(repo.path, ref);
    if (now !== undefined) this.tips.set(repo.path, now);
    return result;
  }

  /**
   * The merged tree, made in this process, when git's merge could only come to the same one (see
   * tree-merge.ts): the task's history is off its base alone, nothing was deleted on either side,
   * and no path was changed on both. Undefined otherwise.
   */
  private async mergedHere(
    repo: ResolvedRepo,
    ours: string,
    base: string,
    diff: TaskDiff | undefined,
  ): Promise<string | undefined> {
    if (diff?.history === undefined || diff.deletes) return undefined;
    const ledger = this.ledger(repo, ours);
    const at = ledger.findIndex((merge) => merge.commit === base);
    if (at < 0) return undefined;
    const changed = new Set<string>();
    for (const merge of ledger.slice(at + 1)) {
      if (merge.paths === undefined || merge.brought === undefined || merge.deletes)
        return undefined;
      // A commit of the task already on the branch (its agent merged another task's branch): the
      // merge base is not the task's base.
      for (const commit of merge.brought) if (diff.history.has(commit)) return undefined;
      for (const changedPath of merge.paths) changed.add(changedPath);
    }
    if (!disjoint(diff.changes, changed)) return undefined;
    const merger = this.merger(repo);
    const tree = ledger.at(-1)?.tree ?? (await merger.commit(ours))?.tree;
    return tree === undefined ? undefined : merger.apply(tree, diff.changes);
  }

  /** A merge into the branch, in its ledger: what it changed there, and the commits it brought. */
  private async record(
    repo: ResolvedRepo,
    ours: string,
    merge: { commit: string; tree: string; here: boolean; diff: TaskDiff | undefined },
  ): Promise<void> {
    const ledger = this.ledger(repo, ours);
    const oursTree = ledger.at(-1)?.tree ?? (await this.merger(repo).commit(ours))?.tree;
    // Made here: exactly the task's changes. Made by git: read, as git may have put a change
    // elsewhere (a file the other side renamed).
    const changes = merge.here
      ? { paths: new Set(merge.diff?.changes.map((c) => c.path.join('/'))), deletes: false }
      : oursTree === undefined
        ? undefined
        : await this.merger(repo).treeChanges(oursTree, merge.tree);
    ledger.push({
      commit: merge.commit,
      tree: merge.tree,
      paths: changes?.paths,
      deletes: changes?.deletes ?? true,
      brought: merge.diff?.history,
    });
  }

  /**
   * This run's merges into the branch, ending at `ours`: a branch that moved otherwise starts the
   * ledger again from where it is.
   */
  private ledger(repo: ResolvedRepo, ours: string): LedgerEntry[] {
    let ledger = this.ledgers.get(repo.path);
    if (ledger === undefined || ledger.at(-1)?.commit !== ours) {
      ledger = [
        { commit: ours, tree: undefined, paths: new Set(), deletes: false, brought: new Set() },
      ];
      this.ledgers.set(repo.path, ledger);
    }
    return ledger;
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
  /** The integration commit the task started from. */
  base: string;
  /** Its commits (`git log base..branch`, or as read in this process from `diff`). */
  log: Promise<BranchLog>;
  /** What it changed, read in this process; undefined when that could not be read. */
  diff: Promise<TaskDiff | undefined>;
}

/** A commit on the integration branch and what it changed (see mergedHere). */
interface LedgerEntry {
  commit: string;
  tree: string | undefined;
  /** Paths it changed on the branch; undefined: not known. */
  paths: Set<string> | undefined;
  deletes: boolean;
  /** The task commits it brought to the branch; undefined: not known. */
  brought: Set<string> | undefined;
}

export interface RepoInfo {
  /** The repository's common git folder (`.git` of the main worktree). */
  commonDir: string;
  /** The main worktree's folder; undefined for a bare repository. */
  mainWorktree: string | undefined;
}
