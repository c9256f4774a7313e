import fs from 'node:fs';
import path from 'node:path';
import { CcglmError } from '../errors.js';
import { jobFiles } from './ids.js';
import { formatKeyValues, parseKeyValues, type KeyValues } from './kv.js';

/** The `<id>.outcome` file as data. `state` follows the exit: 0 success, non-zero failed, signal killed. */
export interface JobOutcome {
  beads: string;
  run_id: string;
  exit_code: number;
  state: 'success' | 'failed' | 'killed';
  completed_at: string;
  duration_sec: number;
  retries: number;
  /** Extra keys (e.g. `reason=agent_not_started`) are kept. */
  extra: KeyValues;
}

/**
 * The names in a log dir from one readdir: listing 1,000 jobs then needs no existence check per
 * file (and no thrown ENOENT, which costs more than the read).
 */
export type DirNames = ReadonlySet<string>;

export function readDirNames(logDir: string): DirNames {
  try {
    return new Set(fs.readdirSync(logDir));
  } catch {
    return new Set();
  }
}

function readText(file: string, names?: DirNames): string | undefined {
  if (names !== undefined ? !names.has(path.basename(file)) : !fs.existsSync(file))
    return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CcglmError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Reads a key=value file; a line that is not `key=value` is a one-line error naming file and line. */
export function readKeyValueFile(file: string, names?: DirNames): KeyValues | undefined {
  const text = readText(file, names);
  if (text === undefined) return undefined;
  const parsed = parseKeyValues(text);
  if (!parsed.ok) {
    throw new CcglmError(
      `corrupt job file ${file}:${parsed.line}: expected key=value, found '${parsed.text.slice(0, 40)}'`,
    );
  }
  return parsed.values;
}

let tempCounter = 0;

/**
 * Temp file in the same folder + rename, so a reader never sees half a file (fsync first when the
 * content must survive a crash: the outcome). Done here rather than with write-file-atomic because
 * that package costs ~10 ms to load, paid by every `ccglm job` call and every job host.
 */
export function writeFileAtomicSync(file: string, text: string, durable = false): void {
  const temp = `${file}.tmp-${process.pid}-${tempCounter++}`;
  try {
    const fd = fs.openSync(temp, 'w', 0o644);
    try {
      fs.writeSync(fd, text);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

export function writeKeyValueFile(file: string, values: KeyValues, durable = false): void {
  writeFileAtomicSync(file, formatKeyValues(values), durable);
}

export function readMeta(logDir: string, id: string, names?: DirNames): KeyValues | undefined {
  return readKeyValueFile(jobFiles(logDir, id).meta, names);
}

const LOCK_STALE_MS = 5000;
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `update` holding `<file>.lock` (O_EXCL). The host's CPU samples, the watchdog's blocked flag
 * and an operator's set-override all rewrite meta; without the lock one could drop another's key.
 * A lock older than 5 s is a crashed writer's and is taken over.
 */
function withFileLock<T>(file: string, update: () => T): T {
  const lock = `${file}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return update();
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS)
          fs.rmSync(lock, { force: true });
      } catch {
        // released meanwhile
      }
      if (attempt > 500) return update();
      pause(2);
    }
  }
  try {
    return update();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Read-modify-write of the meta file under a lock: the patch wins, every other key is kept. */
export function updateMeta(logDir: string, id: string, patch: KeyValues): KeyValues {
  const file = jobFiles(logDir, id).meta;
  return withFileLock(file, () => {
    const next = { ...(readKeyValueFile(file) ?? {}), ...patch };
    writeKeyValueFile(file, next);
    return next;
  });
}

export function readPid(logDir: string, id: string, names?: DirNames): number | undefined {
  const text = readText(jobFiles(logDir, id).pid, names);
  if (text === undefined) return undefined;
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function writePid(logDir: string, id: string, pid: number): void {
  writeFileAtomicSync(jobFiles(logDir, id).pid, `${pid}\n`);
}

export function parseOutcome(values: KeyValues): JobOutcome {
  const { beads, run_id, exit_code, state, completed_at, duration_sec, retries, ...extra } = values;
  const exitCode = Number(exit_code);
  return {
    beads: beads ?? '',
    run_id: run_id ?? '',
    exit_code: Number.isFinite(exitCode) ? exitCode : 1,
    state: state === 'success' || state === 'killed' ? state : 'failed',
    completed_at: completed_at ?? '',
    duration_sec: Number(duration_sec ?? 0) || 0,
    retries: Number(retries ?? 0) || 0,
    extra,
  };
}

export function readOutcome(logDir: string, id: string, names?: DirNames): JobOutcome | undefined {
  const values = readKeyValueFile(jobFiles(logDir, id).outcome, names);
  return values === undefined ? undefined : parseOutcome(values);
}

export function writeOutcome(logDir: string, id: string, outcome: JobOutcome): void {
  const { extra, ...fields } = outcome;
  const values: KeyValues = {};
  for (const [key, value] of Object.entries(fields)) values[key] = String(value);
  writeKeyValueFile(jobFiles(logDir, id).outcome, { ...values, ...extra }, true);
}

/** The first free `.N` after `file` (`.1` is the oldest attempt). */
function firstFreeSuffix(file: string): string {
  for (let n = 1; ; n++) if (!fs.existsSync(`${file}.${n}`)) return `${file}.${n}`;
}

/**
 * Moves the current log and outcome aside before a relaunch: never truncates; a 0-byte log is
 * dropped instead of rotated.
 */
export function rotateAttempt(logDir: string, id: string): void {
  const files = jobFiles(logDir, id);
  for (const file of [files.log, files.outcome]) {
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      continue;
    }
    if (size === 0) fs.rmSync(file, { force: true });
    else fs.renameSync(file, firstFreeSuffix(file));
  }
}

/**
 * Job ids in a log dir, sorted: every `<id>.meta`, and a `<id>.pid` that has a `<id>.log` beside it
 * (a lone pid file, such as a watchdog's `--pidfile`, is not a job).
 */
export function listJobIds(logDir: string, names: DirNames = readDirNames(logDir)): string[] {
  const ids = new Set<string>();
  for (const name of names) {
    const match = /^(.+)\.(meta|pid)$/.exec(name);
    const id = match?.[1];
    if (id === undefined) continue;
    if (match?.[2] === 'meta' || names.has(`${id}.log`)) ids.add(id);
  }
  return [...ids].sort();
}
