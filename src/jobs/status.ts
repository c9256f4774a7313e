import {
  readJob,
  type ReadContext,
  outcomeOf,
  overrideOf,
  jobHealth,
  type HealthOptions,
  type JobHealth,
} from './inspect.js';
import { indexByPid, scanProcesses } from './proc.js';
import { listJobIds, readDirNames } from './store.js';

/** One row of `status` (the JSON field names are the reference's). */
export interface JobStatus {
  beads: string;
  pid: number | null;
  state: string;
  reason_code: string;
  elapsed: number;
  log_bytes: number;
  last_update: string;
  retry_count: number;
  mutation_count: number;
  override: string;
  outcome: string;
  /** The outcome's duration_sec (the tables print `state:code (Ns)`); not in the JSON. */
  outcome_duration_sec: number | null;
}

/**
 * The cheap view: files and liveness only, no CPU scan and no git, so 1,000 jobs read in well under
 * a second. `state` is running / starting / exited_ok / exited_err / blocked / missing.
 */
export function jobStatus(
  logDir: string,
  id: string,
  now = Date.now(),
  context: ReadContext = {},
): JobStatus {
  const record = readJob(logDir, id, context);
  const { meta, outcome } = record;
  const alive = record.agentAlive || record.hostAlive;
  let state: string;
  let reason: string;
  if (meta?.['blocked'] === 'true') [state, reason] = ['blocked', 'blocked_flag_set'];
  else if (outcome !== undefined)
    [state, reason] =
      outcome.exit_code === 0
        ? ['exited_ok', 'outcome_exit_0']
        : ['exited_err', 'outcome_exit_nonzero'];
  else if (meta === undefined && record.pid === undefined)
    [state, reason] = ['missing', 'pid_file_missing'];
  else if (meta?.['launch_state'] === 'starting' || meta?.['launch_state'] === 'restarting')
    [state, reason] = ['starting', 'launch_in_progress'];
  else if (alive) [state, reason] = ['running', 'process_alive'];
  else if (record.pid === undefined) [state, reason] = ['missing', 'pid_file_missing'];
  else [state, reason] = ['exited_err', 'process_exited_without_outcome'];
  const started = Date.parse(meta?.['restarted_at'] ?? meta?.['started_at'] ?? '');
  const ended = outcome !== undefined ? Date.parse(outcome.completed_at) : now;
  return {
    beads: id,
    pid: record.pid ?? null,
    state,
    reason_code: reason,
    elapsed: Number.isNaN(started)
      ? 0
      : Math.max(0, Math.round(((Number.isNaN(ended) ? now : ended) - started) / 1000)),
    log_bytes: record.logBytes,
    last_update: record.logMtime === undefined ? '' : new Date(record.logMtime).toISOString(),
    retry_count: Number(meta?.['retries'] ?? 0) || 0,
    mutation_count: Number(meta?.['last_mutation_count'] ?? 0) || 0,
    override: overrideOf(meta),
    outcome: outcomeOf(outcome),
    outcome_duration_sec: outcome?.duration_sec ?? null,
  };
}

export interface ListOptions {
  /** Only these ids (default: every job in the log dir). */
  ids?: string[];
}

/** Status of every job in a log dir. A job whose files are corrupt throws (one line naming the file). */
export function listJobs(logDir: string, options: ListOptions = {}): JobStatus[] {
  const now = Date.now();
  const context: ReadContext = {
    names: readDirNames(logDir),
    processes: indexByPid(scanProcesses()),
  };
  const ids = options.ids ?? listJobIds(logDir, context.names);
  return ids.map((id) => jobStatus(logDir, id, now, context));
}

/** Health of every job, sharing one /proc scan. */
export function listJobHealth(
  logDir: string,
  options: ListOptions & HealthOptions = {},
): JobHealth[] {
  const processes = options.processes ?? scanProcesses();
  const names = readDirNames(logDir);
  const processIndex = indexByPid(processes);
  return (options.ids ?? listJobIds(logDir, names)).map((id) =>
    jobHealth(logDir, id, { ...options, processes, processIndex, names }),
  );
}
