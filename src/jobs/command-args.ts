/** Flag reading shared by the `ccglm job` handlers (yargs hands flags over in kebab-case). */
import { CcglmError, ExitCode } from '../errors.js';
import { assertJobId, resolveLogDir } from './ids.js';
import type { HealthOptions } from './inspect.js';

export interface JobIo {
  /** One line (a newline is added). */
  out: (text: string) => void;
  /** Raw text, as is (log chunks). */
  write: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
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
    throw new CcglmError(
      `--${key} expects a non-negative number, got '${String(value)}'`,
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

export const json = (value: unknown) => JSON.stringify(value, null, 2);
