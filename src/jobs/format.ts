import stripAnsi from 'strip-ansi';
import type { JobHealth } from './inspect.js';
import type { JobStatus } from './status.js';

/** `45s`, `5m`, `2h`, `3d`: as short as the table column. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** The runner's table durations: `45s`, `5m12s`, `2h5m` (hours past a day stay hours). */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function formatAgo(iso: string, now: number): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '-' : `${formatElapsed((now - ms) / 1000)} ago`;
}

/** The runner's outcome cell: `success:0 (42s)` when the outcome has a duration, else `state:code`. */
function outcomeCell(outcome: string, durationSec: number | null | undefined): string {
  return outcome === '-' || durationSec === null || durationSec === undefined
    ? outcome
    : `${outcome} (${durationSec}s)`;
}

/** Columns as wide as the reference's, wider where a cell needs it (a run's long job ids). */
function table(rows: string[][], minimums: number[]): string {
  const widths = minimums.map((min, index) =>
    Math.max(min, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 10)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n');
}

export interface StatusColumns {
  /** The `override` column (`--show-overrides`). */
  overrides?: boolean;
  /** The `mut` column (`--mutations`): changed files in the job's worktree. */
  mutations?: boolean;
}

export function formatStatusTable(jobs: JobStatus[], columns: StatusColumns, now: number): string {
  // The runner's column order and minimum widths: retry, then mut, then override, then outcome.
  const extra = (mut: string, override: string) => [
    ...(columns.mutations === true ? [mut] : []),
    ...(columns.overrides === true ? [override] : []),
  ];
  const head = ['bead', 'pid', 'state', 'elapsed', 'bytes', 'last_update', 'retry'];
  const widths = [14, 8, 12, 9, 9, 16, 6, ...extra('9', '10').map(Number)];
  const rows = jobs.map((job) => [
    job.beads,
    job.pid === null ? '-' : String(job.pid),
    job.state,
    // The runner's elapsed is the pid file's age: `-` when there is none.
    job.pid === null ? '-' : formatElapsed(job.elapsed),
    String(job.log_bytes),
    job.last_update === '' ? '-' : formatAgo(job.last_update, now),
    String(job.retry_count),
    ...extra(String(job.mutation_count), job.override),
    outcomeCell(job.outcome, job.outcome_duration_sec),
  ]);
  return table([[...head, ...extra('mut', 'override'), 'outcome'], ...rows], widths);
}

/** What the health table shows of a job (a JSON row read from another machine has no record). */
export type HealthRow = Pick<
  JobHealth,
  'beads' | 'pid' | 'health' | 'last_update' | 'retry_count' | 'override' | 'outcome'
> & { record?: { outcome?: { duration_sec?: number } | undefined } };

export function formatHealthTable(jobs: HealthRow[], showOverrides: boolean, now: number): string {
  const head = ['bead', 'pid', 'health', 'last_update', 'retry'];
  const widths = [14, 8, 20, 16, 6, 10];
  const rows = jobs.map((job) => {
    const row = [
      job.beads,
      job.pid === null ? '-' : String(job.pid),
      job.health,
      job.last_update === '' ? '-' : formatAgo(job.last_update, now),
      String(job.retry_count),
    ];
    const outcome = outcomeCell(job.outcome, job.record?.outcome?.duration_sec);
    return showOverrides ? [...row, job.override, outcome] : [...row, outcome];
  });
  const header = showOverrides ? [...head, 'override', 'outcome'] : [...head, 'outcome'];
  return table([header, ...rows], showOverrides ? widths : widths.slice(0, 5));
}

/** A table with one more column in front (the machine of `job status --target`). */
export function withLeadingColumn(text: string, header: string, cells: readonly string[]): string {
  const width = Math.max(8, header.length, ...cells.map((cell) => cell.length));
  return text
    .split('\n')
    .map((line, i) => `${(i === 0 ? header : (cells[i - 1] ?? '')).padEnd(width)} ${line}`)
    .join('\n');
}

/** `check`'s text line, the runner's: `job ID healthy: running with progress reason=… cpu_time=Ns`. */
export function formatCheckLine(job: JobHealth): string {
  const id = job.beads;
  const says: Record<string, string> = {
    healthy: `job ${id} healthy: running with progress`,
    starting: `job ${id} starting: within grace window`,
    launching: `job ${id} launching: waiting for first output`,
    waiting_first_output: `job ${id} waiting_first_output: process active but no output yet`,
    silent_mutation: `job ${id} silent_mutation: worktree changed while log is empty (inspect mutations)`,
    stalled: `job ${id} stalled: no progress detected`,
    exited_ok: `job ${id} completed successfully (exit 0)`,
    exited_err: `job ${id} exited with error`,
    blocked: `job ${id} blocked: max retries exhausted`,
    missing: `job ${id} missing: no job state found`,
  };
  return `${says[job.health] ?? `job ${id} state=${job.health}`} reason=${job.reason_code} mutation_count=${job.mutation_count} log_bytes=${job.log_bytes} cpu_time=${job.cpu_time_seconds}s`;
}

/** The `check` JSON (the reference's field names). */
export function toCheckJson(job: JobHealth): Record<string, string | number> {
  return {
    beads: job.beads,
    health: job.health,
    reason_code: job.reason_code,
    stall_threshold_seconds: job.stall_threshold_seconds,
    mutation_count: job.mutation_count,
    log_bytes: job.log_bytes,
    cpu_time_seconds: job.cpu_time_seconds,
    pid_age_seconds: job.pid_age_seconds,
    log_age_seconds: job.log_age_seconds,
  };
}

/** The `status` JSON row: the reference's keys (the table's duration is left out). */
export function toStatusJson(job: JobStatus): Record<string, string | number | null> {
  return {
    beads: job.beads,
    pid: job.pid,
    state: job.state,
    reason_code: job.reason_code,
    elapsed: job.elapsed,
    log_bytes: job.log_bytes,
    last_update: job.last_update,
    retry_count: job.retry_count,
    mutation_count: job.mutation_count,
    override: job.override,
    outcome: job.outcome,
  };
}

/** The `health` JSON row: the record used to decide is left out. */
export function toHealthJson(job: JobHealth): Record<string, string | number | null> {
  return {
    beads: job.beads,
    pid: job.pid,
    health: job.health,
    reason_code: job.reason_code,
    last_update: job.last_update,
    retry_count: job.retry_count,
    mutation_count: job.mutation_count,
    log_bytes: job.log_bytes,
    cpu_time_seconds: job.cpu_time_seconds,
    pid_age_seconds: job.pid_age_seconds,
    log_age_seconds: job.log_age_seconds,
    override: job.override,
    outcome: job.outcome,
  };
}

// ansi-regex (behind strip-ansi) covers CSI (colours, cursor movement, erase) and OSC (titles,
// hyperlinks); the two-byte ESC forms (ESC 7/8 save/restore cursor, ESC = / >, charset selects) and
// stray carriage-return redraws are removed here too.
// eslint-disable-next-line no-control-regex
const ESC_TWO_BYTE = /\u001b(?:[78=>DEHMNOZc]|[()*+][0-9A-Za-z])/g;

export function removeAnsi(text: string): string {
  return stripAnsi(text)
    .replace(ESC_TWO_BYTE, '')
    .replace(/\r+\n/g, '\n')
    .replace(/[^\n]*\r(?!\n)/g, '');
}
