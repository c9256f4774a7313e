import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CcglmError, ExitCode } from '../errors.js';
import { compilePlan } from '../graph/compile.js';
import { resolveLogDir } from '../jobs/ids.js';
import { parseAge, pruneJobs } from '../jobs/prune.js';
import { formatDuration } from '../jobs/format.js';
import { cleanTaskWorktrees } from '../run/clean.js';
import { resolveRepos } from '../run/repos.js';
import { planIdOf } from '../run/run-options.js';
import { readPlanOrThrow } from './plan-input.js';

/** Removes the plan's merged, clean task worktrees (src/run/clean.ts) and says what it did. */
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
  const byTask = await resolveRepos(compiled.plan.tasks, planPath, repos);
  const results = await cleanTaskWorktrees(
    new Map([...byTask.values()].map((r) => [r.path, r])).values(),
    integration,
    new Set(compiled.plan.tasks.map((task) => `${integration}--${task.id}`)),
    path.join(path.resolve(worktreeRoot), planId),
    dryRun,
  );
  for (const { dir, branch, kept } of results)
    process.stdout.write(
      kept !== undefined
        ? `kept    ${dir} (${kept})\n`
        : `${dryRun ? 'would remove' : 'removed'} ${dir} (${branch} is merged into ${integration})\n`,
    );
  const removed = results.filter((r) => r.kept === undefined).length;
  process.stdout.write(
    `${removed} worktree(s) ${dryRun ? 'to remove' : 'removed'}, ${results.length - removed} kept\n`,
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
  // A plan deleted since its runs may still have jobs to prune; a name matching neither is a typo.
  if (
    plan !== undefined &&
    prefix !== undefined &&
    !existsSync(plan) &&
    !(existsSync(dir) && readdirSync(dir).some((name) => name.startsWith(prefix)))
  )
    throw new CcglmError(
      `${plan}: no such plan file, and no job of it in ${dir} (jobs are named ${prefix}<task>-…)`,
      ExitCode.usage,
    );
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
