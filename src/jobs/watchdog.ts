import fs from 'node:fs';
import os from 'node:os';
import { formatUtc } from './ids.js';
import { jobHealth, type HealthOptions } from './inspect.js';
import { indexByPid, isProcessAlive, scanProcesses } from './proc.js';
import { CcglmError } from '../errors.js';
import { restartJob } from './restart.js';
import { listJobIds, readDirNames, updateMeta } from './store.js';

export type WatchdogMode = 'normal' | 'observe-only' | 'no-auto-restart';

export interface WatchdogOptions {
  logDir: string;
  /** Only this job (default: every job in the log dir). */
  ids?: string[];
  mode?: WatchdogMode;
  intervalMs?: number;
  stallMinutes?: number;
  stallSeconds?: number;
  graceSeconds?: number;
  /** Restarts before a stalled job is blocked (default 1). */
  maxRetries?: number;
  once?: boolean;
  /** Written with this process's pid while the watchdog runs; removed at the end. */
  pidfile?: string;
  /** Where the iteration lines go. */
  print: (line: string) => void;
  /** Printed under `(no jobs found in DIR)` on the first pass (where else jobs may be). */
  emptyHints?: string[];
  signal?: AbortSignal;
}

export type WatchdogAction = 'none' | 'observe' | 'restart' | 'blocked' | 'restart_failed' | 'skip';

export interface WatchdogDecision {
  id: string;
  health: string;
  reason_code: string;
  retries: number;
  action: WatchdogAction;
  detail?: string;
}

/** One pass over the jobs: health, then the policy for stalled ones. */
export async function runWatchdogPass(options: WatchdogOptions): Promise<WatchdogDecision[]> {
  const mode = options.mode ?? 'normal';
  const maxRetries = options.maxRetries ?? 1;
  const processes = scanProcesses();
  const names = readDirNames(options.logDir);
  const healthOptions: HealthOptions = {
    processes,
    processIndex: indexByPid(processes),
    names,
    record: true,
    ...(options.stallMinutes !== undefined ? { stallMinutes: options.stallMinutes } : {}),
    ...(options.stallSeconds !== undefined ? { stallSeconds: options.stallSeconds } : {}),
    ...(options.graceSeconds !== undefined ? { graceSeconds: options.graceSeconds } : {}),
  };
  const decisions: WatchdogDecision[] = [];
  for (const id of options.ids ?? listJobIds(options.logDir, names)) {
    // As the runner: a job with no meta (a stray pid file, an unknown --beads) is skipped, not restarted.
    if (!names.has(`${id}.meta`)) {
      decisions.push({
        id,
        health: 'missing',
        reason_code: 'no_metadata',
        retries: 0,
        action: 'skip',
      });
      options.print(`[${id}] SKIP: no metadata file`);
      continue;
    }
    let decision: WatchdogDecision;
    try {
      const report = jobHealth(options.logDir, id, healthOptions);
      // A `ccglm run`'s job (hosted by its run's host) is that run's to supervise: restarted here as
      // well, its run would record the stopped agent's end while the new one worked on unwatched.
      if (report.record.meta?.['host_shared'] === 'true' && report.health === 'stalled') {
        decisions.push({ ...decisionOf(id, report), action: 'skip', detail: 'run_job' });
        options.print(
          `[${id}] SKIP: a ccglm run's job (its run restarts or blocks it; after a dead run, ccglm run --resume)`,
        );
        continue;
      }
      const meta = report.record.meta;
      decision = decisionOf(id, report);
      if (report.health === 'stalled') {
        const blockedReason =
          mode === 'no-auto-restart' || meta?.['no_auto_restart'] === 'true'
            ? 'no_auto_restart'
            : report.retry_count >= maxRetries
              ? 'max_retries'
              : undefined;
        if (mode === 'observe-only') decision.action = 'observe';
        else if (blockedReason !== undefined) {
          updateMeta(options.logDir, id, {
            blocked: 'true',
            blocked_at: formatUtc(Date.now()),
            blocked_reason: blockedReason,
          });
          decision.action = 'blocked';
          decision.detail = blockedReason;
        } else {
          const started = await restartJob(options.logDir, id, { reason: 'watchdog_stalled' });
          decision.action = started.ok ? 'restart' : 'restart_failed';
          if (!started.ok) decision.detail = started.message;
        }
      }
    } catch (error) {
      decision = {
        id,
        health: 'error',
        reason_code: 'unreadable',
        retries: 0,
        action: 'none',
        detail: (error as Error).message,
      };
    }
    decisions.push(decision);
    const detail = decision.detail !== undefined ? ` (${decision.detail})` : '';
    options.print(
      `[${id}] health=${decision.health} reason=${decision.reason_code} retries=${decision.retries} action=${decision.action}${detail}`,
    );
    for (const said of runnerLines(decision, maxRetries)) options.print(`[${id}] ${said}`);
  }
  if (decisions.length === 0) options.print(`(no jobs found in ${options.logDir})`);
  return decisions;
}

const decisionOf = (id: string, report: ReturnType<typeof jobHealth>): WatchdogDecision => ({
  id,
  health: report.health,
  reason_code: report.reason_code,
  retries: report.retry_count,
  action: 'none',
});

/** The shell runner's action lines for a decision (scripts grep them), in its order. */
function runnerLines(decision: WatchdogDecision, maxRetries: number): string[] {
  // The runner announces the retry count before it restarts or blocks for max_retries.
  const stalled = `stalled, retries=${decision.retries}/${maxRetries}`;
  switch (decision.action) {
    case 'observe':
      return ['OBSERVE-ONLY: would restart but observing only'];
    case 'blocked':
      return decision.detail === 'no_auto_restart'
        ? ['NO-AUTO-RESTART: stalled but restart disabled']
        : [stalled, `BLOCKED: max retries (${maxRetries}) exhausted`];
    case 'restart':
      return [stalled, 'restarting...', 'restart succeeded'];
    case 'restart_failed':
      return [stalled, 'restarting...', `restart FAILED: ${decision.detail ?? ''}`];
    default:
      break;
  }
  if (decision.health === 'silent_mutation')
    return [
      `SILENT_MUTATION: worktree changed with no output; inspect via 'ccglm job mutations --beads ${decision.id}'`,
    ];
  if (decision.health === 'exited_err') return ['exited with error - check logs'];
  if (decision.health === 'blocked') return ['BLOCKED: manual intervention required'];
  if (decision.health === 'missing') return ['missing: incomplete job state'];
  return [];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** One watchdog per pidfile: a live pid in it (not this process) is refused. */
function claimPidfile(pidfile: string): void {
  let other: number | undefined;
  try {
    other = Number(fs.readFileSync(pidfile, 'utf8').trim());
  } catch {
    other = undefined;
  }
  if (other !== undefined && other !== process.pid && isProcessAlive(other)) {
    throw new CcglmError(`a watchdog is already running (pid ${other}, pidfile ${pidfile})`);
  }
  try {
    fs.writeFileSync(pidfile, `${process.pid}\n`);
  } catch (error) {
    throw new CcglmError(`cannot write pidfile ${pidfile}: ${(error as Error).message}`);
  }
}

/** The watchdog loop (`--once` for a single pass). Paths are absolute, so it works from any folder. */
export async function runWatchdog(options: WatchdogOptions): Promise<void> {
  const intervalMs = options.intervalMs ?? 60_000;
  const stall =
    options.stallSeconds !== undefined
      ? `${options.stallSeconds}s`
      : `${options.stallMinutes ?? 20}m`;
  if (options.pidfile !== undefined) {
    claimPidfile(options.pidfile);
    options.print(`watchdog pid=${process.pid} written to ${options.pidfile}`);
  }
  options.print(
    `watchdog started: mode=${options.mode ?? 'normal'} interval=${intervalMs / 1000}s stall=${stall} ` +
      `max-retries=${options.maxRetries ?? 1} once=${options.once === true} beads=${options.ids?.join(',') ?? 'all'}`,
  );
  options.print('press Ctrl+C to stop');
  options.print(`hint: logs on ${os.hostname()} at ${options.logDir}`);
  try {
    for (let iteration = 1; !options.signal?.aborted; iteration++) {
      options.print(`=== watchdog iteration ${iteration} at ${formatUtc(Date.now())} ===`);
      const decisions = await runWatchdogPass(options);
      if (decisions.length === 0 && iteration === 1)
        for (const line of options.emptyHints ?? []) options.print(line);
      if (options.once === true) {
        options.print('watchdog completed single iteration (--once)');
        break;
      }
      await sleep(intervalMs, options.signal);
    }
  } finally {
    if (options.pidfile !== undefined) fs.rmSync(options.pidfile, { force: true });
  }
}
