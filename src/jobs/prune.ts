/**
 * Pruning the log folder: the files of finished jobs (pid, logs and their earlier attempts, meta,
 * outcomes, contract, a run's prompt) whose last change is older than a threshold. A job whose agent
 * or host still runs is never touched, whatever its age.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CcglmError, ExitCode } from '../errors.js';
import { readJob } from './inspect.js';
import { listJobIds, readDirNames } from './store.js';

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `7d`, `12h`, `30m`, `2w`, `0` -> milliseconds; a usage error otherwise. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(text.trim());
  if (match === null)
    throw new CcglmError(
      `--older-than takes an age like 7d, 12h, 30m or 2w, not ${text}`,
      ExitCode.usage,
    );
  const [, amount, unit] = match as unknown as [string, string, string];
  return Number(amount) * (UNITS[unit === '' ? 'd' : unit] ?? 0);
}

export interface PrunedJob {
  id: string;
  files: string[];
  bytes: number;
  /** When its files last changed (ms). */
  lastChange: number;
}

export interface PruneResult {
  /** Removed (or, in a dry run, to remove). */
  pruned: PrunedJob[];
  /** Old enough, but its agent or host still runs (or its files cannot tell). */
  running: string[];
  /** Old enough and finished, but kept: the caller's `keep` said why. */
  kept: { id: string; reason: string }[];
}

/** The files of job `id` among `names`: `<id>.<kind>` and earlier attempts `<id>.log.N`, `<id>.outcome.N`. */
function filesOf(id: string, names: Iterable<string>): string[] {
  const own = new RegExp(
    `^${id.replace(/[.]/g, '\\.')}\\.(pid|log|meta|outcome|contract|prompt|(log|outcome)\\.\\d+)$`,
  );
  return [...names].filter((name) => own.test(name));
}

export function pruneJobs(options: {
  logDir: string;
  olderThanMs: number;
  now: number;
  dryRun: boolean;
  /** Only jobs whose id passes (default: all). */
  select?: (id: string) => boolean;
  /** Why an old, finished job is kept anyway; undefined: it goes. */
  keep?: (id: string) => string | undefined;
}): PruneResult {
  const names = readDirNames(options.logDir);
  const result: PruneResult = { pruned: [], running: [], kept: [] };
  for (const id of listJobIds(options.logDir, names)) {
    if (options.select !== undefined && !options.select(id)) continue;
    const files = filesOf(id, names);
    let lastChange = 0;
    let bytes = 0;
    for (const name of files) {
      try {
        const stat = fs.statSync(path.join(options.logDir, name));
        lastChange = Math.max(lastChange, stat.mtimeMs);
        bytes += stat.size;
      } catch {
        // removed meanwhile
      }
    }
    if (options.now - lastChange < options.olderThanMs) continue;
    let alive: boolean;
    try {
      const record = readJob(options.logDir, id);
      alive = record.agentAlive || record.hostAlive;
    } catch {
      alive = true; // its files cannot be read: whether it runs cannot be told, so it is kept
    }
    if (alive) {
      result.running.push(id);
      continue;
    }
    const reason = options.keep?.(id);
    if (reason !== undefined) {
      result.kept.push({ id, reason });
      continue;
    }
    if (!options.dryRun)
      for (const name of files) fs.rmSync(path.join(options.logDir, name), { force: true });
    result.pruned.push({ id, files, bytes, lastChange });
  }
  return result;
}
