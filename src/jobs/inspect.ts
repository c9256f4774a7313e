import fs from 'node:fs';
import { jobFiles } from './ids.js';
import { countMutations } from './mutations.js';
import type { KeyValues } from './kv.js';
import {
  indexByPid,
  isProcessAlive,
  scanProcesses,
  treeCpuSeconds,
  type ProcIndex,
  type ProcStat,
} from './proc.js';
import {
  readMeta,
  readOutcome,
  readPid,
  updateMeta,
  type DirNames,
  type JobOutcome,
} from './store.js';
import { decideHealth, type HealthInput, type HealthState } from './health.js';

/** Everything on disk about one job, plus whether its processes are alive. */
export interface JobRecord {
  id: string;
  logDir: string;
  /** undefined when there is no `<id>.meta`. */
  meta: KeyValues | undefined;
  /** From `<id>.pid`. */
  pid: number | undefined;
  outcome: JobOutcome | undefined;
  logBytes: number;
  logMtime: number | undefined;
  /** The agent, verified by pid + start time (a reused pid or a zombie is not alive). */
  agentAlive: boolean;
  /** The job's host is alive and has not written the outcome yet (it does right after the agent ends). */
  hostAlive: boolean;
}

const parseTime = (text: string | undefined): number | undefined => {
  if (text === undefined || text === '') return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
};

/** Shared reads when many jobs are looked at together (one readdir, one /proc scan). */
export interface ReadContext {
  names?: DirNames;
  processes?: ProcIndex;
}

/** Reads one job's files. Throws a one-line CcglmError for a corrupt meta/outcome. */
export function readJob(logDir: string, id: string, context: ReadContext = {}): JobRecord {
  const files = jobFiles(logDir, id);
  const { names, processes } = context;
  const meta = readMeta(logDir, id, names);
  const pid = readPid(logDir, id, names);
  const outcome = readOutcome(logDir, id, names);
  let logBytes = 0;
  let logMtime: number | undefined;
  if (names === undefined || names.has(`${id}.log`))
    try {
      const stat = fs.statSync(files.log);
      logBytes = stat.size;
      logMtime = stat.mtimeMs;
    } catch {
      // no log yet
    }
  const metaPid = Number(meta?.['pid']);
  // A pid file that does not match the pid the host recorded (with its start time) is not ours.
  const agentAlive =
    pid !== undefined && meta?.['pid_start_time'] !== undefined && metaPid === pid
      ? isProcessAlive(pid, meta['pid_start_time'], processes)
      : false;
  const hostPid = Number(meta?.['host_pid']);
  // Alive for this job only until its outcome is written (a shared host goes on with other jobs).
  const hostAlive =
    outcome === undefined &&
    Number.isInteger(hostPid) &&
    hostPid > 0 &&
    isProcessAlive(hostPid, meta?.['host_start_time'] ?? '\0', processes);
  return { id, logDir, meta, pid, outcome, logBytes, logMtime, agentAlive, hostAlive };
}

export interface HealthOptions {
  /** Clock in ms (default Date.now()). */
  now?: number;
  /** Stall threshold in minutes (fractions allowed; default 20). */
  stallMinutes?: number;
  /** Overrides stallMinutes, in seconds (tests use 1–2 s). */
  stallSeconds?: number;
  /** Grace window after launch in seconds (default: the stall threshold, as the reference). */
  graceSeconds?: number;
  /** A /proc scan to share across many jobs (default: scanned on demand). */
  processes?: ProcStat[];
  /** Count the worktree's changes now (one git run) even when the verdict does not need it:
   * always, or only for a job whose process is alive (`health` over many jobs). */
  measureMutations?: boolean | 'alive';
  /** Record this check's CPU and mutation count in meta (the watchdog does). */
  record?: boolean;
  /** The log dir's names from one readdir (for many jobs at once). */
  names?: DirNames;
  /** `processes` indexed by pid (built once for many jobs). */
  processIndex?: ProcIndex;
}

export interface JobHealth {
  beads: string;
  pid: number | null;
  health: HealthState;
  reason_code: string;
  stall_threshold_seconds: number;
  last_update: string;
  retry_count: number;
  mutation_count: number;
  log_bytes: number;
  cpu_time_seconds: number;
  pid_age_seconds: number;
  log_age_seconds: number;
  override: string;
  outcome: string;
  record: JobRecord;
}

export function stallMsOf(options: HealthOptions): number {
  if (options.stallSeconds !== undefined) return options.stallSeconds * 1000;
  return (options.stallMinutes ?? 20) * 60_000;
}

export function overrideOf(meta: KeyValues | undefined): string {
  if (meta?.['blocked'] === 'true') return 'blocked';
  return meta?.['no_auto_restart'] === 'true' ? 'no-restart' : '-';
}

export function outcomeOf(outcome: JobOutcome | undefined): string {
  return outcome === undefined ? '-' : `${outcome.state}:${outcome.exit_code}`;
}

/** Measures one job and decides its health (see health.ts for the table). */
export function jobHealth(logDir: string, id: string, options: HealthOptions = {}): JobHealth {
  const processes = options.processes ?? scanProcesses();
  const record = readJob(logDir, id, {
    processes: options.processIndex ?? indexByPid(processes),
    ...(options.names !== undefined ? { names: options.names } : {}),
  });
  const { meta } = record;
  const now = options.now ?? Date.now();
  const stallMs = stallMsOf(options);
  const startedAt = parseTime(meta?.['restarted_at']) ?? parseTime(meta?.['started_at']);
  const alive = record.agentAlive || record.hostAlive;
  const cpu =
    record.agentAlive && record.pid !== undefined
      ? treeCpuSeconds(processes, record.pid)
      : undefined;
  const previousMutations = meta?.['last_mutation_count'];
  const input: HealthInput = {
    now,
    stallMs,
    graceMs: options.graceSeconds !== undefined ? options.graceSeconds * 1000 : stallMs,
    known: meta !== undefined || record.pid !== undefined,
    pidFileExists: record.pid !== undefined,
    launchState: meta?.['launch_state'],
    blocked: meta?.['blocked'] === 'true',
    startedAt,
    alive,
    outcomeExitCode: record.outcome?.exit_code,
    logBytes: record.logBytes,
    logMtime: record.logMtime,
    cpuSeconds: cpu,
    previousCpuSeconds: meta?.['last_cpu_time'] ? Number(meta['last_cpu_time']) : undefined,
    cpuProgressAt: parseTime(meta?.['cpu_progress_at']),
    mutationCount: 0,
    previousMutationCount: previousMutations ? Number(previousMutations) : undefined,
  };
  let verdict = decideHealth(input);
  let measuredMutations = false;
  // git status costs a process: only ask when the answer could change the verdict.
  const needed =
    alive && (verdict.health === 'stalled' || verdict.health === 'waiting_first_output');
  const asked =
    options.measureMutations === true || (options.measureMutations === 'alive' && alive);
  if (needed || asked) {
    input.mutationCount = countMutations(meta?.['worktree'], meta?.['start_commit']);
    measuredMutations = true;
    verdict = decideHealth(input);
  }
  if (options.record === true && meta !== undefined && alive) {
    // Write only what changed: a watchdog pass over idle jobs should not rewrite every meta file.
    const patch: Record<string, string> = {};
    if (cpu !== undefined && String(cpu) !== meta['last_cpu_time'])
      patch['last_cpu_time'] = String(cpu);
    if (measuredMutations && String(input.mutationCount) !== previousMutations) {
      patch['last_mutation_count'] = String(input.mutationCount);
    }
    if (Object.keys(patch).length > 0) updateMeta(logDir, id, patch);
  } else if (!measuredMutations) {
    input.mutationCount = Number(previousMutations ?? 0) || 0;
  }
  const toSeconds = (ms: number | undefined) =>
    ms === undefined ? 0 : Math.max(0, Math.round((now - ms) / 1000));
  return {
    beads: id,
    pid: record.pid ?? null,
    health: verdict.health,
    reason_code: verdict.reason_code,
    stall_threshold_seconds: Math.round(stallMs / 1000),
    last_update: record.logMtime === undefined ? '' : new Date(record.logMtime).toISOString(),
    retry_count: Number(meta?.['retries'] ?? 0) || 0,
    mutation_count: input.mutationCount,
    log_bytes: record.logBytes,
    cpu_time_seconds: cpu ?? (Number(meta?.['last_cpu_time'] ?? 0) || 0),
    pid_age_seconds: toSeconds(startedAt),
    log_age_seconds: toSeconds(record.logMtime),
    override: overrideOf(meta),
    outcome: outcomeOf(record.outcome),
    record,
  };
}
