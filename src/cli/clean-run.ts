import path from 'node:path';
import { compilePlan } from '../graph/compile.js';
import { resolveLogDir } from '../jobs/ids.js';
import { parseAge, pruneJobs } from '../jobs/prune.js';
import { formatDuration } from '../jobs/format.js';
import { git, isDirty, revParse, worktreesByBranch } from '../run/git.js';
import { resolveRepos } from '../run/repos.js';
import { planIdOf } from '../run/run.js';
import { readPlanOrThrow } from './plan-input.js';

/**
 * Removes the plan's task worktrees whose branch is merged (or has no commits) and that are clean.
 * A task worktree is one on a task branch of the plan (`feature-<plan>--<task>`, wherever a run's
 * `--worktree-root` put it), or any worktree under `<worktree-root>/<plan>`.
 */
export async function cleanWorktrees(
  plan: string,
  worktreeRoot: string,
  repos: string | undefined,
  dryRun: boolean,
): Promise<number> {
  const planPath = path.resolve(plan);
  const compiled = compilePlan(await readPlanOrThrow(planPath), plan);
  const planId = planIdOf(planPath);
  const integration = `feature-${planId}`;
  const root = path.join(path.resolve(worktreeRoot), planId);
  const byTask = await resolveRepos(compiled.plan.tasks, planPath, repos);
  // A task's branch, or a later attempt's (`<branch>-2`); not another plan's whose name starts alike.
  const taskBranches = new Set(compiled.plan.tasks.map((task) => `${integration}--${task.id}`));
  let removed = 0;
  let kept = 0;
  for (const repo of new Map([...byTask.values()].map((r) => [r.path, r])).values()) {
    for (const [branch, dir] of await worktreesByBranch(repo.path)) {
      if (branch === integration) continue;
      const taskBranch = taskBranches.has(branch) || taskBranches.has(branch.replace(/-\d+$/, ''));
      if (!taskBranch && !dir.startsWith(`${root}${path.sep}`)) continue;
      const tip = await revParse(repo.path, branch);
      const merged =
        tip !== undefined &&
        (await git(repo.path, ['merge-base', '--is-ancestor', tip, integration])).ok;
      const dirty = await isDirty(dir);
      if (!merged || dirty) {
        kept += 1;
        process.stdout.write(
          `kept    ${dir} (${dirty ? 'uncommitted changes' : `unmerged commits on ${branch}`})\n`,
        );
        continue;
      }
      if (!dryRun) {
        const result = await git(repo.path, ['worktree', 'remove', dir]);
        if (!result.ok) {
          kept += 1;
          process.stdout.write(
            `kept    ${dir} (git worktree remove failed: ${result.stderr.trim()})\n`,
          );
          continue;
        }
        await git(repo.path, ['branch', '-d', branch]);
      }
      removed += 1;
      process.stdout.write(
        `${dryRun ? 'would remove' : 'removed'} ${dir} (${branch} is merged into ${integration})\n`,
      );
    }
  }
  process.stdout.write(
    `${removed} worktree(s) ${dryRun ? 'to remove' : 'removed'}, ${kept} kept\n`,
  );
  return 0;
}

/**
 * `ccglm clean --logs`: removes the files of finished jobs older than `olderThan` from the log folder
 * (given a plan, only the jobs its runs made: `<plan>-<task>-<stamp>`). A running job's files stay.
 */
export function cleanLogs(
  plan: string | undefined,
  logDir: string | undefined,
  olderThan: string,
  dryRun: boolean,
): number {
  const dir = resolveLogDir(logDir, process.env);
  const now = Date.now();
  const prefix = plan === undefined ? undefined : `${planIdOf(path.resolve(plan))}-`;
  const result = pruneJobs({
    logDir: dir,
    olderThanMs: parseAge(olderThan),
    now,
    dryRun,
    ...(prefix !== undefined ? { select: (id: string) => id.startsWith(prefix) } : {}),
  });
  let bytes = 0;
  for (const job of result.pruned) {
    bytes += job.bytes;
    process.stdout.write(
      `${dryRun ? 'would remove' : 'removed'} ${job.id} (${job.files.length} file(s), ${kilobytes(job.bytes)}, last change ${formatDuration((now - job.lastChange) / 1000)} ago)\n`,
    );
  }
  for (const id of result.running) process.stdout.write(`kept    ${id} (still running)\n`);
  process.stdout.write(
    `${result.pruned.length} job(s) ${dryRun ? 'to remove' : 'removed'} (${kilobytes(bytes)}) from ${dir}, ${result.running.length} running kept\n`,
  );
  return 0;
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} kB`;
}
