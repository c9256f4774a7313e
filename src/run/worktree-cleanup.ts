/**
 * What is left to clean when a run settles: the branches of removed task worktrees (deleted
 * together, each only while it still points at its merged commit) and task folders left empty.
 */
import { readdirSync, rmdirSync } from 'node:fs';
import { git } from './git.js';
import type { ResolvedRepo } from './repos.js';

export class BranchDeletions {
  /** Per repo: the branches to delete, each with the commit it must still point at. */
  private readonly byRepo = new Map<string, { ref: string; tip: string }[]>();

  /** Branch deletions wait for the end of the run, where one git call makes them all. */
  add(repo: ResolvedRepo, branch: string, tip: string): void {
    let list = this.byRepo.get(repo.path);
    if (list === undefined) this.byRepo.set(repo.path, (list = []));
    list.push({ ref: `refs/heads/${branch}`, tip });
  }

  /** Deletes them, each only while it still points where it did. */
  async run(): Promise<void> {
    for (const [repoPath, list] of this.byRepo) {
      this.byRepo.delete(repoPath);
      const lines = list.map(({ ref, tip }) => `delete ${ref} ${tip}\n`).join('');
      const background = { background: true };
      if ((await git(repoPath, ['update-ref', '--stdin'], { input: lines, ...background })).ok)
        continue;
      // One of them moved (the transaction is all or nothing): delete the others one by one.
      for (const { ref, tip } of list)
        await git(repoPath, ['update-ref', '-d', ref, tip], background);
    }
  }
}

export function readdirOrNone(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes a folder when nothing is in it (a task's or the plan's folder of worktrees). */
export function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    /* not empty or gone: leave it */
  }
}
