/**
 * `ccglm job status|health --target NAME|all`: the jobs of this machine and of the user's other
 * machines in one table with a target column. A target's jobs are the ones its ccglm keeps under
 * `<workdir>/logs` (where `ccglm run` starts tasks there), read over SSH with that ccglm's own
 * `--json`. An unreachable target is one line on stderr and exit 1; the others are still shown.
 */
import { CcglmError, ExitCode } from '../errors.js';
import { LOCAL, type Target } from '../targets/config.js';
import { loadTargets } from '../targets/load.js';
import { lastLine, remoteLine, runOnTarget, SSH_FAILED } from '../targets/ssh.js';
import { json, type JobArgs, type JobIo } from './command-args.js';
import {
  formatHealthTable,
  formatStatusTable,
  withLeadingColumn,
  type HealthRow,
} from './format.js';
import { formatUtc } from './ids.js';
import type { JobStatus } from './status.js';

export type ViewKind = 'status' | 'health';
type Row = Record<string, unknown>;

/** `local`, a declared target, or `all` (this machine and every enabled target). */
async function pickTargets(name: string, io: JobIo): Promise<(Target | undefined)[]> {
  const { targets } = await loadTargets(io.cwd);
  if (name === LOCAL) return [undefined];
  if (name === 'all') return [undefined, ...[...targets.values()].filter((t) => t.enabled)];
  const target = targets.get(name);
  if (target === undefined)
    throw new CcglmError(
      `--target "${name}": expected local, all or a target of ccglm.config.json${targets.size > 0 ? ` (${[...targets.keys()].join(', ')})` : ' (none declared from here up)'}`,
      ExitCode.usage,
    );
  return [target];
}

/** The target's jobs as its ccglm reports them (`ccglm job KIND --json`); throws why it cannot. */
async function remoteJobs(target: Target, kind: ViewKind, args: JobArgs): Promise<Row[]> {
  const stall = ['stall-minutes', 'stall-seconds', 'grace-seconds'].flatMap((key) =>
    kind === 'health' && args[key] !== undefined ? [`--${key}`, String(args[key])] : [],
  );
  const beads = typeof args['beads'] === 'string' ? ['--beads', args['beads']] : [];
  const line = remoteLine([
    target.ccglm,
    'job',
    kind,
    '--json',
    '--log-dir',
    `${target.workdir.replace(/\/+$/, '')}/logs`,
    ...beads,
    ...stall,
  ]);
  const result = await runOnTarget(target, line, { timeoutMs: 30_000 });
  if (result.code !== 0)
    throw new Error(
      `${result.code === SSH_FAILED ? 'unreachable' : `ccglm job ${kind} failed there`}: ${lastLine(result.stderr) || lastLine(result.stdout) || `exit ${result.code}`}`,
    );
  try {
    const jobs = (JSON.parse(result.stdout) as { jobs?: unknown }).jobs;
    if (!Array.isArray(jobs)) throw new Error('no jobs list');
    return jobs as Row[];
  } catch (error) {
    throw new Error(`its ccglm job ${kind} --json was not read: ${(error as Error).message}`);
  }
}

/** Prints the jobs of the targets `--target` names; `localJobs` gives this machine's JSON rows. */
export async function showTargets(
  kind: ViewKind,
  args: JobArgs,
  io: JobIo,
  localJobs: () => Row[],
): Promise<number> {
  const picked = await pickTargets(String(args['target']), io);
  const results = await Promise.all(
    picked.map(async (target) => {
      const name = target?.name ?? LOCAL;
      try {
        const jobs = target === undefined ? localJobs() : await remoteJobs(target, kind, args);
        return { name, jobs };
      } catch (error) {
        return { name, error: (error as Error).message };
      }
    }),
  );
  // With --beads each machine answers for that id, `missing` where it has no such job: only the
  // machines that have it are shown.
  const named = typeof args['beads'] === 'string';
  const rows = results.flatMap((r) =>
    (r.jobs ?? [])
      .filter((job) => !named || (job['state'] ?? job['health']) !== 'missing')
      .map((job) => ({ target: r.name, ...job })),
  );
  const unreachable = results.flatMap((r) =>
    r.error !== undefined ? [{ target: r.name, error: r.error }] : [],
  );
  const now = Date.now();
  if (args['json'] === true) {
    io.out(json({ generated_at: formatUtc(now), jobs: rows, unreachable }, args));
  } else {
    io.out(formatTargetsTable(kind, rows, now));
    if (rows.length === 0) io.out('(no jobs found)');
  }
  for (const { target, error } of unreachable) io.err(`ccglm: target ${target}: ${error}`);
  return unreachable.length > 0 ? 1 : 0;
}

/** One table over machines: the job table of `kind` after a `target` column. */
export function formatTargetsTable(kind: ViewKind, rows: Row[], now: number): string {
  // The rows are the JSON of `ccglm job status|health` (here or on a target): the table's fields.
  const text =
    kind === 'status'
      ? formatStatusTable(
          rows.map((row) => ({ ...row, outcome_duration_sec: null }) as unknown as JobStatus),
          {},
          now,
        )
      : formatHealthTable(rows as unknown as HealthRow[], false, now);
  return withLeadingColumn(
    text,
    'target',
    rows.map((row) => String(row['target'])),
  );
}
