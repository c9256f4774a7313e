/**
 * `ccglm job <sub>` handlers: read the parsed flags, call the runner, print. Each returns the exit
 * code; errors are CcglmError (one line, with their code) for the CLI to print.
 */
import fs from 'node:fs';
import os from 'node:os';
import { CcglmError, ExitCode } from '../errors.js';
import {
  formatHealthTable,
  formatStatusTable,
  removeAnsi,
  toCheckJson,
  toHealthJson,
} from './format.js';
import {
  baselineGate,
  featureKeyGate,
  integrityGate,
  resolveGateWorktree,
  type GateResult,
} from './gates.js';
import { assertJobId, jobFiles, resolveLogDir } from './ids.js';
import { jobHealth, type HealthOptions } from './inspect.js';
import { multiLogDirWarning } from './log-dirs.js';
import { checkExitCode } from './health.js';
import { runPreflight } from './preflight.js';
import { restartJob } from './restart.js';
import { startJob } from './start.js';
import { listJobHealth, listJobs } from './status.js';
import { requireJob, stopJob } from './stop.js';
import { readMeta, updateMeta } from './store.js';
import { followLog, tailLines } from './tail.js';
import { runWatchdog } from './watchdog.js';
import { formatUtc } from './ids.js';

export interface JobIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Flags as yargs hands them over (kebab-case keys). */
export type JobArgs = Record<string, unknown> & { '--'?: unknown[] };

const str = (args: JobArgs, key: string): string | undefined =>
  typeof args[key] === 'string' || typeof args[key] === 'number' ? String(args[key]) : undefined;
const flag = (args: JobArgs, key: string): boolean => args[key] === true;
const num = (args: JobArgs, key: string): number | undefined => {
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

function beadsOf(args: JobArgs, required: true): string;
function beadsOf(args: JobArgs, required: false): string | undefined;
function beadsOf(args: JobArgs, required: boolean): string | undefined {
  const beads = str(args, 'beads');
  if (beads === undefined) {
    if (required) throw new CcglmError('missing required option --beads ID', ExitCode.usage);
    return undefined;
  }
  assertJobId(beads);
  return beads;
}

const logDirOf = (args: JobArgs, io: JobIo) => resolveLogDir(str(args, 'log-dir'), io.env);

function healthOptions(args: JobArgs): HealthOptions {
  const stallMinutes = num(args, 'stall-minutes');
  const stallSeconds = num(args, 'stall-seconds');
  const graceSeconds = num(args, 'grace-seconds');
  return {
    ...(stallMinutes !== undefined ? { stallMinutes } : {}),
    ...(stallSeconds !== undefined ? { stallSeconds } : {}),
    ...(graceSeconds !== undefined ? { graceSeconds } : {}),
  };
}

function footer(logDir: string, count: number): string {
  const hint = `hint: logs on ${os.hostname()} at ${logDir}`;
  return count === 0
    ? `no jobs found in ${logDir}; use --log-dir DIR to read another folder\n${hint}`
    : hint;
}

function warnLogDirs(logDir: string, io: JobIo): void {
  for (const line of multiLogDirWarning(logDir, io.env)) io.err(line);
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

export async function start(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const promptFile = str(args, 'prompt-file');
  if (promptFile === undefined)
    throw new CcglmError('missing required option --prompt-file F', ExitCode.usage);
  const logDir = logDirOf(args, io);
  const passthrough = (args['--'] ?? []).map(String);
  const repo = str(args, 'repo');
  const worktree = str(args, 'worktree');
  const result = await startJob({
    id,
    logDir,
    promptFile,
    pty: flag(args, 'pty'),
    ...(repo !== undefined ? { repo } : {}),
    ...(worktree !== undefined ? { worktree } : {}),
    ...(passthrough.length > 0 ? { command: passthrough } : {}),
  });
  if (!result.ok)
    throw new CcglmError(
      `job ${id} could not start: ${result.message} (see ${jobFiles(logDir, id).log})`,
    );
  io.out(`started ${id} pid=${result.pid} log=${jobFiles(logDir, id).log}`);
  return 0;
}

export function status(args: JobArgs, io: JobIo): number {
  const logDir = logDirOf(args, io);
  const beads = beadsOf(args, false);
  if (!flag(args, 'json')) warnLogDirs(logDir, io);
  const jobs = listJobs(logDir, beads !== undefined ? { ids: [beads] } : {});
  const now = Date.now();
  if (flag(args, 'json')) {
    io.out(json({ generated_at: new Date(now).toISOString(), log_dir: logDir, jobs }));
    return 0;
  }
  const text = `${formatStatusTable(jobs, flag(args, 'show-overrides'), now)}\n${footer(logDir, jobs.length)}`;
  io.out(flag(args, 'no-ansi') ? removeAnsi(text) : text);
  return 0;
}

export function health(args: JobArgs, io: JobIo): number {
  const logDir = logDirOf(args, io);
  const beads = beadsOf(args, false);
  if (!flag(args, 'json')) warnLogDirs(logDir, io);
  const now = Date.now();
  // Like the reference, a check keeps the CPU it saw in meta: the next check compares against it.
  const jobs = listJobHealth(logDir, {
    ...healthOptions(args),
    record: true,
    now,
    ...(beads !== undefined ? { ids: [beads] } : {}),
  });
  if (flag(args, 'json')) {
    io.out(
      json({
        generated_at: new Date(now).toISOString(),
        log_dir: logDir,
        jobs: jobs.map(toHealthJson),
      }),
    );
    return 0;
  }
  const text = `${formatHealthTable(jobs, flag(args, 'show-overrides'), now)}\n${footer(logDir, jobs.length)}`;
  io.out(flag(args, 'no-ansi') ? removeAnsi(text) : text);
  return 0;
}

export function check(args: JobArgs, io: JobIo): number {
  const id = beadsOf(args, true);
  const report = jobHealth(logDirOf(args, io), id, { ...healthOptions(args), record: true });
  if (flag(args, 'json')) io.out(json(toCheckJson(report)));
  else {
    io.out(
      Object.entries(toCheckJson(report))
        .map(([key, value]) => `${key}=${value}`)
        .join('\n'),
    );
  }
  return checkExitCode(report.health);
}

export async function tail(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  requireJob(logDir, id);
  const lines = num(args, 'lines') ?? 20;
  const clean = (text: string) => (flag(args, 'no-ansi') ? removeAnsi(text) : text);
  const text = tailLines(jobFiles(logDir, id).log, lines);
  if (text !== '') io.out(clean(text).replace(/\n$/, ''));
  if (flag(args, 'follow'))
    await followLog(logDir, id, (chunk) => io.out(clean(chunk).replace(/\n$/, '')));
  return 0;
}

export async function restart(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  const result = await restartJob(logDir, id, {
    ...(args['pty'] !== undefined ? { pty: flag(args, 'pty') } : {}),
    preserveContract: flag(args, 'preserve-contract'),
    env: io.env,
  });
  if (!result.ok) throw new CcglmError(`job ${id} could not restart: ${result.message}`);
  io.out(`restarted ${id} pid=${result.pid} retries=${readMeta(logDir, id)?.['retries'] ?? '?'}`);
  return 0;
}

export async function stop(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const result = await stopJob(logDirOf(args, io), id, {});
  if (result.kind === 'not_running') {
    io.out(result.message);
    return 0;
  }
  io.out(
    `stopped ${id} exit_code=${result.outcome.exit_code} state=${result.outcome.state}${result.forced ? ' (killed after TERM grace)' : ''}`,
  );
  return 0;
}

export function setOverride(args: JobArgs, io: JobIo): number {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  requireJob(logDir, id);
  const value = str(args, 'no-auto-restart');
  if (value !== undefined) {
    if (value !== 'true' && value !== 'false') {
      throw new CcglmError(
        `--no-auto-restart expects true or false, got '${value}'`,
        ExitCode.usage,
      );
    }
    updateMeta(logDir, id, { no_auto_restart: value, override_set_at: formatUtc(Date.now()) });
  }
  const meta = readMeta(logDir, id) ?? {};
  io.out(`override for ${id}:\n  no_auto_restart=${meta['no_auto_restart'] ?? 'false'}`);
  return 0;
}

export async function watchdog(args: JobArgs, io: JobIo): Promise<number> {
  const logDir = logDirOf(args, io);
  const beads = beadsOf(args, false);
  warnLogDirs(logDir, io);
  const controller = new AbortController();
  const stopLoop = () => controller.abort();
  process.once('SIGINT', stopLoop);
  process.once('SIGTERM', stopLoop);
  const interval = num(args, 'interval') ?? 60;
  if (interval < 0.1)
    throw new CcglmError('--interval must be at least 0.1 seconds', ExitCode.usage);
  const maxRetries = num(args, 'max-retries');
  const pidfile = str(args, 'pidfile');
  try {
    await runWatchdog({
      logDir,
      ...healthOptions(args),
      ...(beads !== undefined ? { ids: [beads] } : {}),
      mode: flag(args, 'observe-only')
        ? 'observe-only'
        : flag(args, 'no-auto-restart')
          ? 'no-auto-restart'
          : 'normal',
      intervalMs: interval * 1000,
      ...(maxRetries !== undefined ? { maxRetries } : {}),
      once: flag(args, 'once'),
      ...(pidfile !== undefined ? { pidfile } : {}),
      print: io.out,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stopLoop);
    process.off('SIGTERM', stopLoop);
  }
  return 0;
}

export async function preflight(args: JobArgs, io: JobIo): Promise<number> {
  const result = await runPreflight(logDirOf(args, io), beadsOf(args, false), io.env);
  io.out(
    flag(args, 'json')
      ? json(result)
      : `${result.output}\npreflight: ${result.passed ? 'passed' : 'failed'}`,
  );
  return result.exit_code;
}

function printGate(result: GateResult, args: JobArgs, io: JobIo): number {
  if (flag(args, 'json')) io.out(json({ generated_at: new Date().toISOString(), ...result }));
  else
    io.out(
      [
        `${result.gate}: ${result.passed ? 'PASS' : 'FAIL'}`,
        ...result.details.map((d) => `  ${d}`),
      ].join('\n'),
    );
  return result.exit_code;
}

function gateWorktree(args: JobArgs, io: JobIo): string {
  return resolveGateWorktree(logDirOf(args, io), beadsOf(args, false), str(args, 'worktree'));
}

function requiredString(args: JobArgs, key: string): string {
  const value = str(args, key);
  if (value === undefined || value === '')
    throw new CcglmError(`missing required option --${key}`, ExitCode.usage);
  return value;
}

export function gate(
  name: 'baseline-gate' | 'integrity-gate' | 'feature-key-gate',
  args: JobArgs,
  io: JobIo,
): number {
  const branch = str(args, 'branch');
  if (name === 'baseline-gate') {
    const sha = requiredString(args, 'required-baseline');
    return printGate(baselineGate(gateWorktree(args, io), sha), args, io);
  }
  if (name === 'integrity-gate') {
    const sha = requiredString(args, 'reported-commit');
    return printGate(integrityGate(gateWorktree(args, io), sha, branch), args, io);
  }
  const key = requiredString(args, 'feature-key');
  return printGate(
    featureKeyGate(gateWorktree(args, io), key, branch, str(args, 'base-branch')),
    args,
    io,
  );
}

/** Refuses a log dir path that exists but is not a folder (one line, exit 1). */
export function assertLogDirUsable(logDir: string): void {
  if (fs.existsSync(logDir) && !fs.statSync(logDir).isDirectory())
    throw new CcglmError(`log dir is not a folder: ${logDir}`);
}
