/**
 * One run at a time per plan: a lock file holding the owner's pid, its process start time and host.
 * A lock whose process is gone (or whose pid now belongs to another process) is stale and taken over.
 */
import { readFileSync, rmSync, openSync, closeSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { CcglmError } from '../errors.js';

interface LockInfo {
  pid: number;
  startTime: string;
  host: string;
  plan: string;
  startedAt: string;
}

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

function isAlive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // cannot tell: assume it runs
  const start = processStartTime(info.pid);
  return start !== undefined && start === info.startTime;
}

export interface PlanLock {
  release(): void;
  /** Set when a stale lock of a dead run was taken over. */
  staleFrom?: LockInfo;
}

export function acquirePlanLock(lockFile: string, plan: string, now: Date): PlanLock {
  const info: LockInfo = {
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? '',
    host: hostname(),
    plan,
    startedAt: now.toISOString(),
  };
  let staleFrom: LockInfo | undefined;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, `${JSON.stringify(info)}\n`);
      closeSync(fd);
      const lock: PlanLock = {
        release: () => {
          try {
            const current = JSON.parse(readFileSync(lockFile, 'utf8')) as LockInfo;
            if (current.pid === info.pid && current.startTime === info.startTime)
              rmSync(lockFile, { force: true });
          } catch {
            /* already gone */
          }
        },
      };
      if (staleFrom !== undefined) lock.staleFrom = staleFrom;
      return lock;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST')
        throw new CcglmError(
          `cannot create the plan lock ${lockFile}: ${(error as Error).message}`,
          1,
        );
      let holder: LockInfo | undefined;
      try {
        holder = JSON.parse(readFileSync(lockFile, 'utf8')) as LockInfo;
      } catch {
        holder = undefined; // unreadable lock: a crashed writer
      }
      if (holder !== undefined && isAlive(holder)) {
        throw new CcglmError(
          `${plan} is already being run by ccglm (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}); wait for it, or stop it first (lock: ${lockFile})`,
          1,
        );
      }
      staleFrom = holder;
      rmSync(lockFile, { force: true });
    }
  }
  throw new CcglmError(`cannot take the plan lock ${lockFile}`, 1);
}
