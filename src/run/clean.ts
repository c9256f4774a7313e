/**
 * `ccglm clean`'s git work: the plan's task worktrees whose branch is merged into the integration
 * branch and that are clean are removed (`git worktree remove`, then `git branch -d`); the others
 * are kept, with the reason. Printing is the CLI's.
 */
import path from 'node:path';
import { git, isAncestor, isDirty, revParse, worktreesByBranch } from './git.js';
import type { ResolvedRepo } from './repos.js';

export interface CleanedWorktree {
  /** The repository the worktree is of. */
  repo: string;
  dir: string;
  branch: string;
  /** Removed (or, in a dry run, would be); else why it is kept. */
  kept: string | undefined;
}

/**
 * A task worktree is one on a task branch of the plan (`feature-<plan>--<task>`, or a later
 * attempt's `<branch>-2`, wherever a run's `--worktree-root` put it), or any worktree under
 * `planRoot` (`<worktree-root>/<plan>`).
 */
export async function cleanTaskWorktrees(
  repos: Iterable<ResolvedRepo>,
  integration: string,
  taskBranches: Set<string>,
  planRoot: string,
  dryRun: boolean,
): Promise<CleanedWorktree[]> {
  const results: CleanedWorktree[] = [];
  for (const repo of repos) {
    for (const [branch, dir] of await worktreesByBranch(repo.path)) {
      if (branch === integration) continue;
      const taskBranch = taskBranches.has(branch) || taskBranches.has(branch.replace(/-\d+$/, ''));
      if (!taskBranch && !dir.startsWith(`${planRoot}${path.sep}`)) continue;
      const tip = await revParse(repo.path, branch);
      const merged = tip !== undefined && (await isAncestor(repo.path, tip, integration));
      const dirty = await isDirty(dir);
      if (!merged || dirty) {
        const kept = dirty ? 'uncommitted changes' : `unmerged commits on ${branch}`;
        results.push({ repo: repo.path, dir, branch, kept });
        continue;
      }
      if (!dryRun) {
        const result = await git(repo.path, ['worktree', 'remove', dir]);
        if (!result.ok) {
          const kept = `git worktree remove failed: ${result.stderr.trim()}`;
          results.push({ repo: repo.path, dir, branch, kept });
          continue;
        }
        await git(repo.path, ['branch', '-d', branch]);
      }
      results.push({ repo: repo.path, dir, branch, kept: undefined });
    }
  }
  return results;
}
