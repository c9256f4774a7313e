import fs from 'node:fs';

/**
 * Process facts from Linux /proc. CPU is read from /proc/<pid>/stat (utime + stime) directly rather
 * than through pidusage: one read per process gives session, process group, start time and CPU
 * together, and a single scan of /proc serves every job of a `status`/`health` call at once.
 */
export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** utime + stime in seconds. */
  cpuSeconds: number;
  /** Field 22: start time in clock ticks after boot; with the pid it names one process for good. */
  startTime: string;
}

const CLOCK_TICKS = 100; // USER_HZ is 100 on every Linux ABI Node supports

export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  // comm (field 2) may hold spaces and parentheses: the fields start after the LAST ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); field N is fields[N - 3]
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    cpuSeconds: (utime + stime) / CLOCK_TICKS,
    startTime: fields[19] ?? '',
  };
}

export function readProcStat(pid: number): ProcStat | undefined {
  // existsSync does not throw: status over 1,000 dead jobs must not pay for 1,000 exceptions.
  if (!Number.isInteger(pid) || pid <= 0 || !fs.existsSync(`/proc/${pid}`)) return undefined;
  try {
    return parseProcStat(pid, fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A /proc scan by pid, for checking many jobs' pids without a read each. */
export type ProcIndex = ReadonlyMap<number, ProcStat>;

export function indexByPid(processes: ProcStat[]): ProcIndex {
  return new Map(processes.map((p) => [p.pid, p]));
}

/** Alive = exists, is not a zombie, and (when known) has the recorded start time (not a reused pid). */
export function isProcessAlive(
  pid: number | undefined,
  startTime?: string,
  index?: ProcIndex,
): boolean {
  if (pid === undefined) return false;
  const stat = index !== undefined ? index.get(pid) : readProcStat(pid);
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || startTime === '' || stat.startTime === startTime;
}

/** Every live process on the machine (one pass over /proc). */
export function scanProcesses(): ProcStat[] {
  const result: ProcStat[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const code = name.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const stat = readProcStat(Number(name));
    if (stat !== undefined && stat.state !== 'Z') result.push(stat);
  }
  return result;
}

/**
 * The job's process tree: the agent leads its own session (setsid by node-pty or `detached`), so
 * every descendant that did not start a session of its own shares its session id or process group.
 */
export function sessionMembers(processes: ProcStat[], leader: number): ProcStat[] {
  return processes.filter((p) => p.session === leader || p.pgrp === leader);
}

/** Summed CPU seconds (utime + stime) over the session; undefined when nothing of it is alive. */
export function treeCpuSeconds(processes: ProcStat[], leader: number): number | undefined {
  const members = sessionMembers(processes, leader);
  if (members.length === 0) return undefined;
  return Math.round(members.reduce((sum, p) => sum + p.cpuSeconds, 0) * 100) / 100;
}

/** An index by session for many jobs at once (status over 1,000 jobs scans /proc once). */
export function indexCpuBySession(processes: ProcStat[]): Map<number, number> {
  const bySession = new Map<number, number>();
  for (const p of processes) {
    bySession.set(p.session, (bySession.get(p.session) ?? 0) + p.cpuSeconds);
    if (p.pgrp !== p.session) bySession.set(p.pgrp, (bySession.get(p.pgrp) ?? 0) + p.cpuSeconds);
  }
  return bySession;
}
