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
import { formatUtc, jobFiles } from './ids.js';
import { jobHealth } from './inspect.js';
import {
  beadsOf,
  flag,
  healthOptions,
  json,
  logDirOf,
  num,
  str,
  type JobArgs,
  type JobIo,
} from './command-args.js';
import { multiLogDirWarning } from './log-dirs.js';
import { checkExitCode } from './health.js';
import { listJobHealth, listJobs } from './status.js';
import { requireJob, stopJob } from './stop.js';
import { readMeta, updateMeta } from './store.js';
import { followLog, tailLines } from './tail.js';

// Launching (start, restart, watchdog) loads the agent contract and more: imported where used, so
// `status` and `health` over many jobs start faster.

function footer(logDir: string, count: number): string {
  const hint = `hint: logs on ${os.hostname()} at ${logDir}`;
  return count === 0
    ? `no jobs found in ${logDir}; use --log-dir DIR to read another folder\n${hint}`
    : hint;
}

/** The other-log-dirs warning is for a folder chosen by default: `--log-dir` names one on purpose. */
function warnLogDirs(logDir: string, io: JobIo, args: JobArgs): void {
  if (str(args, 'log-dir') !== undefined) return;
  for (const line of multiLogDirWarning(logDir, io.env)) io.err(line);
}

export async function start(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const promptFile = str(args, 'prompt-file');
  if (promptFile === undefined)
    throw new CcglmError('missing required option --prompt-file F', ExitCode.usage);
  const logDir = logDirOf(args, io);
  const passthrough = (args['--'] ?? []).map(String);
  const repo = str(args, 'repo');
  const worktree = str(args, 'worktree');
  const { startJob } = await import('./start.js');
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
  if (!flag(args, 'json')) warnLogDirs(logDir, io, args);
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
  if (!flag(args, 'json')) warnLogDirs(logDir, io, args);
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
  const logFile = jobFiles(logDir, id).log;
  // One size for both halves: --follow continues exactly where the tail ended.
  const size = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const text = tailLines(logFile, lines, size);
  if (text !== '') io.out(clean(text).replace(/\n$/, ''));
  if (flag(args, 'follow')) {
    const controller = new AbortController();
    const stopFollowing = () => controller.abort();
    process.once('SIGINT', stopFollowing);
    await followLog(logDir, id, (chunk) => io.write(clean(chunk)), controller.signal, size);
    process.off('SIGINT', stopFollowing);
  }
  return 0;
}

export async function restart(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  const { restartJob } = await import('./restart.js');
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
  warnLogDirs(logDir, io, args);
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
    const { runWatchdog } = await import('./watchdog.js');
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

export async function gate(
  name: 'baseline-gate' | 'integrity-gate' | 'feature-key-gate',
  args: JobArgs,
  io: JobIo,
): Promise<number> {
  return (await import('./commands-gates.js')).gate(name, args, io);
}

export async function preflight(args: JobArgs, io: JobIo): Promise<number> {
  return (await import('./commands-gates.js')).preflight(args, io);
}
export type { JobArgs, JobIo } from './command-args.js';
