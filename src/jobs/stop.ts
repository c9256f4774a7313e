import { statSync } from 'node:fs';
import { CcglmError } from '../errors.js';
import { formatUtc } from './ids.js';
import {
  isProcessAlive,
  readProcStat,
  scanProcesses,
  sessionMembers,
  type ProcStat,
} from './proc.js';
import { readJob, type JobRecord } from './inspect.js';
import { listJobIds, readOutcome, updateMeta, writeOutcome, type JobOutcome } from './store.js';
import { waitFor } from './watch.js';

export interface StopJobOptions {
  /** Why (kept in meta as `stop_reason` and in the outcome as `reason`); default `stopped`. */
  reason?: string;
  /** Time between TERM and KILL (default 1000 ms, as the reference). */
  graceMs?: number;
}

export type StopJobResult =
  | {
      kind: 'stopped';
      pid: number | undefined;
      outcome: JobOutcome;
      forced: boolean;
      signalled: number;
    }
  | { kind: 'not_running'; outcome: JobOutcome | undefined; message: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Throws exit 1 for an id with neither meta nor pid file. */
export function requireJob(logDir: string, id: string): JobRecord {
  const record = readJob(logDir, id);
  if (record.meta === undefined && record.pid === undefined) {
    // `ccglm run` names a task's job `<plan>-<task>-<stamp>`: a task id finds its jobs.
    throw new CcglmError(
      `no such job: ${id} (no ${id}.meta or ${id}.pid in ${logDir}); ${suggestJobs(logDir, id)}`,
    );
  }
  return record;
}

/** How many close matches a mistyped id lists (the newest first). */
const SUGGESTIONS = 5;

/**
 * The jobs a mistyped id may mean: those of a task with that id (`<plan>-<task>-<stamp>`, from every
 * plan run with this log dir), else those whose id contains it; the newest first, a few at most.
 */
export function suggestJobs(logDir: string, id: string): string {
  const ids = listJobIds(logDir);
  const ofTask = ids.filter((name) => name.includes(`-${id}-`));
  const needle = id.toLowerCase();
  const matches =
    ofTask.length > 0 ? ofTask : ids.filter((name) => name.toLowerCase().includes(needle));
  if (matches.length === 0) return `no job id contains ${id} (ccglm job status lists them all)`;
  const newest = matches
    .map((name) => ({ name, at: modifiedAt(`${logDir}/${name}.meta`) }))
    .sort((a, b) => b.at - a.at || a.name.localeCompare(b.name))
    .map((job) => job.name);
  const shown = newest.slice(0, SUGGESTIONS).join(', ');
  const more = newest.length > SUGGESTIONS ? ` and ${newest.length - SUGGESTIONS} more` : '';
  return `${ofTask.length > 0 ? `jobs of a task ${id}` : `job ids containing ${id}`}, newest first: ${shown}${more}`;
}

function modifiedAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function signalAll(members: ProcStat[], leader: number, signal: NodeJS.Signals): number {
  let sent = 0;
  try {
    process.kill(-leader, signal);
    sent++;
  } catch {
    // the group is gone; single members may remain in the session
  }
  for (const member of members) {
    // Re-verify each pid's start time right before signalling: never hit a reused pid.
    if (!isProcessAlive(member.pid, member.startTime)) continue;
    try {
      process.kill(member.pid, signal);
      sent++;
    } catch {
      // exited in between
    }
  }
  return sent;
}

async function waitGone(members: ProcStat[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (members.every((m) => !isProcessAlive(m.pid, m.startTime))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

function writeStopOutcome(record: JobRecord, exitCode: number, reason: string): JobOutcome {
  const outcome: JobOutcome = {
    beads: record.id,
    run_id: record.meta?.['run_id'] ?? '',
    exit_code: exitCode,
    state: 'killed',
    completed_at: formatUtc(Date.now()),
    duration_sec: 0,
    retries: Number(record.meta?.['retries'] ?? 0) || 0,
    extra: { reason },
  };
  writeOutcome(record.logDir, record.id, outcome);
  return outcome;
}

/**
 * A job's own host exits right after writing the outcome; one that hangs is killed (verified by
 * start time). A shared host goes on hosting the run's other jobs and is left alone.
 */
async function stopHost(record: JobRecord): Promise<void> {
  const hostPid = Number(record.meta?.['host_pid']);
  const hostStart = record.meta?.['host_start_time'];
  if (!Number.isInteger(hostPid) || hostPid <= 0 || !hostStart) return;
  if (record.meta?.['host_shared'] === 'true') return;
  const host: ProcStat[] = [{ pid: hostPid, startTime: hostStart } as ProcStat];
  if (await waitGone(host, 2000)) return;
  if (isProcessAlive(hostPid, hostStart)) process.kill(hostPid, 'SIGKILL');
  await waitGone(host, 1000);
}

/**
 * Stops a job: checks the pid is still the job's (pid + start time), records why, TERMs the agent's
 * whole process group and session, KILLs what is left after the grace period. The host writes the
 * outcome (state=killed); if the host is gone, this writes it.
 */
export async function stopJob(
  logDir: string,
  id: string,
  options: StopJobOptions = {},
): Promise<StopJobResult> {
  const record = requireJob(logDir, id);
  const reason = options.reason ?? 'stopped';
  // hostAlive: its host runs and has written no outcome yet.
  if (!record.agentAlive && record.hostAlive) {
    // Its host is still launching it (an in-host launch resolving auth): it will not launch now.
    updateMeta(logDir, id, { stop_requested_at: formatUtc(Date.now()), stop_reason: reason });
    const outcome = await waitFor({
      dir: logDir,
      prefix: id,
      pollMs: 100,
      timeoutMs: 5000,
      check: () => readOutcome(logDir, id),
    });
    if (outcome !== undefined)
      return { kind: 'stopped', pid: record.pid, outcome, forced: false, signalled: 0 };
    // Launched after all (the request came too late): stop the agent like any running one.
    if (readJob(logDir, id).agentAlive) return stopJob(logDir, id, options);
    return {
      kind: 'not_running',
      outcome: undefined,
      message: `job ${id} is still being launched; it will not start (stop recorded)`,
    };
  }
  if (!record.agentAlive) {
    const foreign =
      record.pid !== undefined && record.outcome === undefined && isProcessAlive(record.pid)
        ? ' (that pid belongs to another process; left alone)'
        : '';
    let outcome = record.outcome;
    if (outcome === undefined && !record.hostAlive)
      outcome = writeStopOutcome(record, 137, `${reason}_not_running`);
    // The runner's words (scripts grep "already not running").
    return {
      kind: 'not_running',
      outcome,
      message: `job ${id} already not running (pid=${record.pid ?? '-'})${foreign}`,
    };
  }
  const leader = record.pid as number;
  updateMeta(logDir, id, { stop_requested_at: formatUtc(Date.now()), stop_reason: reason });
  const members = sessionMembers(scanProcesses(), leader);
  const leaderStat = readProcStat(leader);
  if (leaderStat !== undefined && !members.some((m) => m.pid === leader)) members.push(leaderStat);
  let signalled = signalAll(members, leader, 'SIGTERM');
  let forced = false;
  if (!(await waitGone(members, options.graceMs ?? 1000))) {
    forced = true;
    // Children forked after the first scan are in the session too.
    const late = sessionMembers(scanProcesses(), leader);
    signalled += signalAll([...members, ...late], leader, 'SIGKILL');
    await waitGone([...members, ...late], 2000);
  }
  const outcome =
    (await waitFor({
      dir: logDir,
      prefix: id,
      pollMs: 100,
      timeoutMs: 5000,
      check: () => readOutcome(logDir, id) ?? (readJob(logDir, id).hostAlive ? undefined : null),
    })) ?? null;
  const written = outcome ?? writeStopOutcome(record, forced ? 137 : 143, reason);
  await stopHost(record);
  return {
    kind: 'stopped',
    pid: leader,
    outcome: written,
    forced,
    signalled,
  };
}

/**
 * Stops a job at once, without a grace period or waiting (a second Ctrl-C): the stop is recorded (a
 * host still launching it will not launch it; the host writes `state=killed`) and the agent's group
 * and session, verified by start time, get SIGKILL. True when something was signalled.
 */
export function killJobNow(logDir: string, id: string, reason: string): boolean {
  const record = readJob(logDir, id);
  if (record.meta === undefined || record.outcome !== undefined) return false;
  updateMeta(logDir, id, { stop_requested_at: formatUtc(Date.now()), stop_reason: reason });
  if (!record.agentAlive || record.pid === undefined) return false;
  const members = sessionMembers(scanProcesses(), record.pid);
  return signalAll(members, record.pid, 'SIGKILL') > 0;
}
