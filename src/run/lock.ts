/**
 * One run at a time per plan: a lock file (see plan-home.ts) holding the owner's pid, its process
 * start time, host and log folder. A lock whose process is gone (or whose pid now belongs to another
 * process) is stale and taken over. The same for a plan's integration branch in a repository: one
 * run at a time merges into it, whichever plan's file name gave it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { CcglmError, ExitCode } from '../errors.js';
import { readProcStat } from '../jobs/proc.js';
import { isNumber, isObject, isString, parseAs, type Checked } from '../json-shape.js';

const isLockInfo = isObject(
  { pid: isNumber, startTime: isString, host: isString, plan: isString, startedAt: isString },
  /** The owner's --log-dir (its jobs' files). */
  { logDir: isString },
);
export type LockInfo = Checked<typeof isLockInfo>;

/** The process's start time (/proc), which names it for good with its pid; undefined when gone. */
export function processStartTime(pid: number): string | undefined {
  const stat = readProcStat(pid);
  return stat === undefined || stat.state === 'Z' ? undefined : stat.startTime;
}

export interface PlanLock {
  release(): void;
}

/** The lock's holder; undefined when there is none, or it is unreadable or malformed (a crashed writer). */
function readLock(lockFile: string): LockInfo | undefined {
  try {
    return parseAs(readFileSync(lockFile, 'utf8'), isLockInfo);
  } catch {
    return undefined;
  }
}

/** The run that holds the lock now, if one does (a stale lock's dead owner does not). */
export function liveLockHolder(lockFile: string): LockInfo | undefined {
  const holder = readLock(lockFile);
  if (holder === undefined) return undefined;
  if (holder.host !== hostname()) return holder; // cannot tell: assume it runs
  return processStartTime(holder.pid) === holder.startTime ? holder : undefined;
}

/** One line: who runs the plan, and how to stop it (`then`: what to do after, appended). */
export function describeHolder(holder: LockInfo, plan: string, then = ''): string {
  return `${plan} is already being run by ccglm (${whoHolds(holder)}); ${howToStop(holder)}${then}`;
}

/**
 * One line: another plan's run holds the integration branch `branch` of a repository (its file
 * name gives the same branch as this plan's), and what to do.
 */
export function describeBranchHolder(holder: LockInfo, branch: string, repo: string): string {
  return `branch ${branch} in ${repo}: the run of another plan, ${holder.plan}, merges into it (${whoHolds(holder)}); both plans' file names give this branch; fix: ${howToStop(holder)}, or rename this plan file`;
}

function whoHolds(holder: LockInfo): string {
  const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
  const logs = holder.logDir !== undefined ? `, jobs in ${holder.logDir}` : '';
  return `pid ${holder.pid}${where}, since ${holder.startedAt}${logs}`;
}

function howToStop(holder: LockInfo): string {
  return holder.host === hostname()
    ? `wait for it, or stop it: Ctrl-C in its terminal or kill -INT ${holder.pid}`
    : `wait for it, or stop it on ${holder.host}`;
}

export function acquirePlanLock(
  lockFile: string,
  plan: string,
  now: Date,
  logDir?: string,
): PlanLock {
  return acquireLock(lockFile, plan, now, logDir, (holder) => describeHolder(holder, plan));
}

/**
 * The lock of a plan's integration branch in one repository (plan-home.ts `branchLockOf`): a run of
 * another plan whose file name gives the same branch refuses while this one holds it.
 */
export function acquireBranchLock(
  lockFile: string,
  lock: { planPath: string; branch: string; repo: string },
  now: Date,
  logDir?: string,
): PlanLock {
  return acquireLock(lockFile, lock.planPath, now, logDir, (holder) =>
    describeBranchHolder(holder, lock.branch, lock.repo),
  );
}

function acquireLock(
  lockFile: string,
  plan: string,
  now: Date,
  logDir: string | undefined,
  refusal: (holder: LockInfo) => string,
): PlanLock {
  const info: LockInfo = {
    pid: process.pid,
    startTime: processStartTime(process.pid) ?? '',
    host: hostname(),
    plan,
    startedAt: now.toISOString(),
    ...(logDir !== undefined ? { logDir } : {}),
  };
  mkdirSync(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, `${JSON.stringify(info)}\n`);
      closeSync(fd);
      return {
        release: () => {
          try {
            const current = readLock(lockFile);
            if (current?.pid === info.pid && current.startTime === info.startTime)
              rmSync(lockFile, { force: true });
          } catch {
            /* already gone */
          }
        },
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST')
        throw new CcglmError(`cannot create the lock ${lockFile}: ${(error as Error).message}`, 1);
      const holder = liveLockHolder(lockFile);
      if (holder !== undefined) throw new CcglmError(refusal(holder), ExitCode.preflight);
      rmSync(lockFile, { force: true });
    }
  }
  throw new CcglmError(`cannot take the lock ${lockFile}`, 1);
}
