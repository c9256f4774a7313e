import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CcglmError, ExitCode } from '../errors.js';
import { compilePlan } from '../graph/compile.js';
import { resolveLogDir } from '../jobs/ids.js';
import type { KeyValues } from '../jobs/kv.js';
import { metaJson } from '../jobs/meta-json.js';
import { readMeta } from '../jobs/store.js';
import { parseAge, pruneJobs } from '../jobs/prune.js';
import { formatDuration } from '../jobs/format.js';
import { planHomeOf } from '../report/locate.js';
import { cleanTaskWorktrees } from '../run/clean.js';
import { describeHolder, liveLockHolder } from '../run/lock.js';
import { realPlanPath } from '../run/plan-home.js';
import { resolveRepos } from '../run/repos.js';
import { planIdOf } from '../run/run-options.js';
import { readPlanOrThrow } from './plan-input.js';

/**
 * Removes the plan's merged, clean task worktrees (src/run/clean.ts) and says what it did. Refused
 * (exit 78, nothing removed) while a run of the plan holds its lock: the worktrees that run made
 * ahead for its next tasks have no commits yet, so they look merged.
 */
export async function cleanWorktrees(
  plan: string,
  worktreeRoot: string,
  repos: string | undefined,
  dryRun: boolean,
): Promise<number> {
  const planPath = path.resolve(plan);
  const compiled = compilePlan(await readPlanOrThrow(planPath), plan);
  const holder = liveLockHolder(planHomeOf(planPath, process.env).lock);
  if (holder !== undefined)
    throw new CcglmError(
      `nothing removed: ${describeHolder(holder, plan, ', then clean again')}`,
      ExitCode.preflight,
    );
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
  // A Completed task's branch with work of its own is an earlier attempt's: kept, with the way out.
  const completed = new Set(
    compiled.plan.tasks
      .filter((task) => task.status === 'Completed')
      .map((task) => `${integration}--${task.id}`),
  );
  const superseded = (repo: string, branch: string, dir: string) =>
    completed.has(branch.replace(/-\d+$/, ''))
      ? `; its task is Completed, so this is an earlier attempt: to drop it, git -C ${repo} worktree remove --force ${dir} && git -C ${repo} branch -D ${branch}`
      : '';
  for (const { repo, dir, branch, kept } of results)
    process.stdout.write(
      kept !== undefined
        ? `kept    ${dir} (${kept}${superseded(repo, branch, dir)})\n`
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
 * (given a plan, only the jobs its runs made: see planJobs). A running job's files stay.
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
    ...(plan !== undefined && prefix !== undefined ? planJobs(plan, prefix, dir) : {}),
  });
  let bytes = 0;
  for (const job of result.pruned) {
    bytes += job.bytes;
    process.stdout.write(
      `${dryRun ? 'would remove' : 'removed'} ${job.id} (${job.files.length} file(s), ${kilobytes(job.bytes)}, last change ${formatDuration((now - job.lastChange) / 1000)} ago)\n`,
    );
  }
  for (const id of result.running) process.stdout.write(`kept    ${id} (still running)\n`);
  for (const { id, reason } of result.kept) process.stdout.write(`kept    ${id} (${reason})\n`);
  const others = result.kept.length > 0 ? `, ${result.kept.length} other(s) kept` : '';
  process.stdout.write(
    `${result.pruned.length} job(s) ${dryRun ? 'to remove' : 'removed'} (${kilobytes(bytes)}) from ${dir}, ${result.running.length} running kept${others}\n`,
  );
  return 0;
}

/**
 * The jobs of `plan`: named `<plan>-<task>-<stamp>` and whose meta names the plan by its real path
 * (`plan=`, written by its runs; older runs' jobs name it in job_env's CCGLM_PLAN). Another plan of
 * the same file name (in another folder) makes jobs of the same names: they are not looked at. A job
 * of the plan's name whose meta names no plan (`ccglm job start`, the shell runner) cannot be told
 * whose it is, and is kept; so are the jobs of the plan's run in progress (one that just started or
 * ended may not look running, and the run still reads them).
 */
function planJobs(
  plan: string,
  prefix: string,
  dir: string,
): { select: (id: string) => boolean; keep: (id: string) => string | undefined } {
  const wanted = realPlanPath(plan);
  const metas = new Map<string, KeyValues | undefined>();
  const metaOf = (id: string) => {
    if (!metas.has(id)) metas.set(id, readMeta(dir, id));
    return metas.get(id);
  };
  const live = existsSync(plan) ? liveLockHolder(planHomeOf(plan, process.env).lock) : undefined;
  // started_at is to the second.
  const runStart = live === undefined ? Infinity : Date.parse(live.startedAt) - 1000;
  return {
    select: (id) => {
      if (!id.startsWith(prefix)) return false;
      const owner = planNamedBy(metaOf(id));
      return owner === undefined || owner === wanted;
    },
    keep: (id) => {
      const meta = metaOf(id);
      if (planNamedBy(meta) === undefined)
        return 'its meta names no plan: started by ccglm job start, the shell runner or an older ccglm';
      if (Date.parse(meta?.['started_at'] ?? '') >= runStart)
        return `the plan's run in progress (pid ${live?.pid}) made it`;
      return undefined;
    },
  };
}

/** The real path of the plan a job's meta names, if it names one. */
function planNamedBy(meta: KeyValues | undefined): string | undefined {
  if (meta === undefined) return undefined;
  const env = metaJson(meta, 'job_env');
  const named = meta['plan'] ?? (env instanceof Error ? undefined : env?.['CCGLM_PLAN']);
  return named === undefined || named === '' ? undefined : realPlanPath(named);
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} kB`;
}
