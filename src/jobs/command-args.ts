/** Flag reading shared by the `ccglm job` handlers (yargs hands flags over in kebab-case). */
import fs from 'node:fs';
import path from 'node:path';
import { CcglmError, ExitCode } from '../errors.js';
import { assertJobId, resolveLogDir } from './ids.js';
import type { HealthOptions } from './inspect.js';
import { readMeta } from './store.js';

export interface JobIo {
  /** One line (a newline is added). */
  out: (text: string) => void;
  /** Raw text, as is (log chunks). */
  write: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** The folder the command was run from (gates and preflight default to it). */
  cwd: string;
}

/** Flags as yargs hands them over (kebab-case keys). */
export type JobArgs = Record<string, unknown> & { '--'?: unknown[] };

export const str = (args: JobArgs, key: string): string | undefined =>
  typeof args[key] === 'string' || typeof args[key] === 'number' ? String(args[key]) : undefined;
export const flag = (args: JobArgs, key: string): boolean => args[key] === true;
export const num = (args: JobArgs, key: string): number | undefined => {
  const value = args[key];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    // A word is caught before (src/cli/commands/job.ts says it); here a negative or endless number.
    throw new CcglmError(`--${key} "${String(value)}": expected a number ≥ 0`, ExitCode.usage);
  return n;
};

/** A count (`--lines`, `--max-retries`): a whole number ≥ 0. */
export const count = (args: JobArgs, key: string): number | undefined => {
  const n = num(args, key);
  if (n !== undefined && !Number.isInteger(n))
    throw new CcglmError(
      `--${key} "${String(args[key])}": expected a whole number ≥ 0`,
      ExitCode.usage,
    );
  return n;
};

export function beadsOf(args: JobArgs, required: true): string;
export function beadsOf(args: JobArgs, required: false): string | undefined;
export function beadsOf(args: JobArgs, required: boolean): string | undefined {
  const beads = str(args, 'beads');
  if (beads === undefined) {
    if (required) throw new CcglmError('missing required option --beads ID', ExitCode.usage);
    return undefined;
  }
  assertJobId(beads);
  return beads;
}

export const logDirOf = (args: JobArgs, io: JobIo) => resolveLogDir(str(args, 'log-dir'), io.env);

export function healthOptions(args: JobArgs): HealthOptions {
  const stallMinutes = num(args, 'stall-minutes');
  const stallSeconds = num(args, 'stall-seconds');
  const graceSeconds = num(args, 'grace-seconds');
  return {
    ...(stallMinutes !== undefined ? { stallMinutes } : {}),
    ...(stallSeconds !== undefined ? { stallSeconds } : {}),
    ...(graceSeconds !== undefined ? { graceSeconds } : {}),
  };
}

/**
 * A `--json` document: compact on one line, as the shell runner prints it (scripts grep it, e.g.
 * `grep -q '"health":"silent_mutation"'`); `--pretty` indents it for reading.
 */
export const json = (value: unknown, args: JobArgs) =>
  flag(args, 'pretty') ? JSON.stringify(value, null, 2) : JSON.stringify(value);

const real = (folder: string) => {
  try {
    return fs.realpathSync(folder);
  } catch {
    return path.resolve(folder);
  }
};

/**
 * The runner's target check, when `--worktree W` is given: W must be the job's recorded worktree or
 * a folder inside it, else exit 1 before anything is touched. (The runner also checks the current
 * folder when --worktree is absent; ccglm acts on the job wherever it is called from.)
 */
export function assertTarget(logDir: string, id: string, args: JobArgs, command: string): void {
  const given = str(args, 'worktree');
  const recorded = readMeta(logDir, id)?.['worktree'];
  if (given === undefined || recorded === undefined || recorded === '') return;
  const [job, wanted] = [real(recorded), real(given)];
  if (wanted === job || wanted.startsWith(`${job}${path.sep}`)) return;
  throw new CcglmError(
    `Target identity mismatch for job ${id} (${command}): job worktree ${job}, --worktree ${wanted}`,
  );
}
