/**
 * `ccglm job <sub>` handlers: read the parsed flags, call the runner, print. Each returns the exit
 * code; errors are CcglmError (one line, with their code) for the CLI to print.
 */
import fs from 'node:fs';
import os from 'node:os';
import { CcglmError, ExitCode } from '../errors.js';
import {
  formatCheckLine,
  formatHealthTable,
  formatStatusTable,
  removeAnsi,
  toCheckJson,
  toHealthJson,
  toStatusJson,
} from './format.js';
import { formatUtc, jobFiles } from './ids.js';
import { jobHealth, stallMsOf } from './inspect.js';
import {
  assertTarget,
  beadsOf,
  flag,
  healthOptions,
  json,
  logDirOf,
  count,
  num,
  str,
  type JobArgs,
  type JobIo,
} from './command-args.js';
import { multiLogDirWarning } from './log-dirs.js';
import { checkExitCode } from './health.js';
import { listJobHealth, listJobs } from './status.js';
import { requireJob, stopJob } from './stop.js';
import { listJobIds, readMeta, updateMeta } from './store.js';
import { followLog, tailLines } from './tail.js';
import { changedEntries, countMutations } from './mutations.js';

// Launching (start, restart, watchdog) loads the agent contract and more: imported where used, so
// `status` and `health` over many jobs start faster.

/** The runner's footer: `hint: logs on <host> at <dir>`, or its lines for an empty folder. */
async function footer(logDir: string, count: number, io: JobIo, args: JobArgs, command: string[]) {
  if (count > 0) return `hint: logs on ${os.hostname()} at ${logDir}`;
  const { emptyLogDirHints } = await import('./locality.js');
  const suggest = str(args, 'log-dir') === undefined;
  return (await emptyLogDirHints(logDir, io.cwd, command, suggest)).join('\n');
}

/** The hints for an empty folder without its first line (the watchdog prints that itself). */
async function emptyHints(logDir: string, io: JobIo, args: JobArgs): Promise<string[]> {
  if (listJobIds(logDir).length > 0) return [];
  const { emptyLogDirHints } = await import('./locality.js');
  const suggest = str(args, 'log-dir') === undefined;
  return (await emptyLogDirHints(logDir, io.cwd, ['job', 'status'], suggest)).slice(1);
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
  const required = io.env['CC_GLM_REQUIRED_BASELINE'];
  if (required !== undefined && required !== '' && fs.existsSync(promptFile)) {
    // The runner's pre-dispatch gate: the worktree must contain this commit, else no job starts.
    const { baselineGate } = await import('./gates.js');
    const gate = baselineGate(worktree ?? io.cwd, required);
    if (!gate.passed)
      throw new CcglmError(
        `baseline gate failed: reason=${gate.reason_code} required=${required} runtime=${gate.fields['runtime_commit'] || '-'} worktree=${gate.worktree}\ndetails: ${gate.details}`,
      );
  }
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
  // The runner's line: scripts read the pid from it.
  io.out(
    `started beads=${id} pid=${result.pid} log=${jobFiles(logDir, id).log} pty=${flag(args, 'pty')}`,
  );
  return 0;
}

export async function status(args: JobArgs, io: JobIo): Promise<number> {
  const logDir = logDirOf(args, io);
  const beads = beadsOf(args, false);
  if (!flag(args, 'json')) warnLogDirs(logDir, io, args);
  const listed = listJobs(logDir, beads !== undefined ? { ids: [beads] } : {});
  if (str(args, 'target') !== undefined) {
    const { showTargets } = await import('./targets-view.js');
    return showTargets('status', args, io, () => listed.map(toStatusJson));
  }
  const showMutations = flag(args, 'mutations');
  // The cheap view keeps the count the last health check recorded; --mutations asks git now.
  const jobs = showMutations
    ? listed.map((job) => {
        const meta = readMeta(logDir, job.beads);
        return {
          ...job,
          mutation_count: countMutations(meta?.['worktree'], meta?.['start_commit']),
        };
      })
    : listed;
  const now = Date.now();
  if (flag(args, 'json')) {
    io.out(
      json({ generated_at: formatUtc(now), log_dir: logDir, jobs: jobs.map(toStatusJson) }, args),
    );
    return 0;
  }
  const table = formatStatusTable(
    jobs,
    { overrides: flag(args, 'show-overrides'), mutations: showMutations },
    now,
  );
  const text = `${table}\n${await footer(logDir, jobs.length, io, args, ['job', 'status'])}`;
  io.out(flag(args, 'no-ansi') ? removeAnsi(text) : text);
  return 0;
}

export async function health(args: JobArgs, io: JobIo): Promise<number> {
  const logDir = logDirOf(args, io);
  const beads = beadsOf(args, false);
  if (!flag(args, 'json')) warnLogDirs(logDir, io, args);
  const now = Date.now();
  // Like the reference, a check keeps the CPU it saw in meta: the next check compares against it.
  // The live jobs' mutation_count is counted now (git status each); finished ones keep theirs.
  const local = () =>
    listJobHealth(logDir, {
      ...healthOptions(args),
      record: true,
      measureMutations: 'alive',
      now,
      ...(beads !== undefined ? { ids: [beads] } : {}),
    });
  if (str(args, 'target') !== undefined) {
    const { showTargets } = await import('./targets-view.js');
    return showTargets('health', args, io, () => local().map(toHealthJson));
  }
  const jobs = local();
  if (flag(args, 'json')) {
    io.out(
      json(
        {
          generated_at: formatUtc(now),
          log_dir: logDir,
          stall_threshold_seconds: Math.round(stallMsOf(healthOptions(args)) / 1000),
          jobs: jobs.map(toHealthJson),
        },
        args,
      ),
    );
    return 0;
  }
  const table = formatHealthTable(jobs, flag(args, 'show-overrides'), now);
  const text = `${table}\n${await footer(logDir, jobs.length, io, args, ['job', 'health'])}`;
  io.out(flag(args, 'no-ansi') ? removeAnsi(text) : text);
  return 0;
}

export async function check(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  assertTarget(logDir, id, args, 'check');
  if (readMeta(logDir, id) === undefined) {
    // The runner's answer for a job with no meta here, and where else it may be.
    io.out(`job ${id} has no metadata file`);
    const { remoteHints } = await import('./locality.js');
    const hints = await remoteHints(io.cwd, ['job', 'check', '--beads', id]);
    for (const line of hints) io.err(line);
    return 1;
  }
  // One job: ask git now, so mutation_count is the worktree's count, not the last one recorded.
  const report = jobHealth(logDir, id, {
    ...healthOptions(args),
    record: true,
    measureMutations: true,
  });
  if (flag(args, 'json')) io.out(json(toCheckJson(report), args));
  else {
    const line = formatCheckLine(report);
    io.out(flag(args, 'no-ansi') ? removeAnsi(line) : line);
  }
  return checkExitCode(report.health);
}

/** `mutations`: the runner's report of what changed in the job's worktree. */
export function mutations(args: JobArgs, io: JobIo): number {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  const meta = requireJob(logDir, id).meta ?? {};
  assertTarget(logDir, id, args, 'mutations');
  const worktree = meta['worktree'] ?? '';
  if (worktree === '' || !fs.existsSync(worktree) || !fs.statSync(worktree).isDirectory()) {
    io.out(`no worktree configured for ${id}`);
    return 0;
  }
  const entries = changedEntries(worktree, meta['start_commit']);
  const lines = [
    `=== Mutations for ${id} ===`,
    `worktree: ${worktree}`,
    '',
    `mutation_count: ${entries.length}`,
  ];
  if (entries.length > 0) {
    lines.push('', 'Changed files:', ...entries.slice(0, 50));
    if (entries.length > 50) lines.push(`... (${entries.length - 50} more files)`);
  }
  io.out(lines.join('\n'));
  return 0;
}

export async function tail(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  requireJob(logDir, id);
  assertTarget(logDir, id, args, 'tail');
  const lines = count(args, 'lines') ?? 20;
  const clean = (text: string) => (flag(args, 'no-ansi') ? removeAnsi(text) : text);
  const logFile = jobFiles(logDir, id).log;
  // One size for both halves: --follow continues exactly where the tail ended.
  const size = fs.existsSync(logFile) ? fs.statSync(logFile).size : -1;
  if (size <= 0 && !flag(args, 'follow')) {
    // The runner's words for no log and an empty one (it may be on another machine).
    const { remoteHints } = await import('./locality.js');
    const hints = await remoteHints(io.cwd, ['job', 'tail', '--beads', id]);
    if (size < 0) {
      io.err(`no log file for ${id}: ${logFile}`);
      for (const line of hints) io.err(line);
      return 1;
    }
    io.out(`(log file exists but is empty: ${logFile})`);
    io.out('hint: empty log may indicate job not yet started or output redirected elsewhere');
    for (const line of hints) io.out(line);
    return 0;
  }
  const text = tailLines(logFile, lines, Math.max(0, size));
  if (text !== '') io.out(clean(text).replace(/\n$/, ''));
  if (flag(args, 'follow')) {
    const controller = new AbortController();
    const stopFollowing = () => controller.abort();
    process.once('SIGINT', stopFollowing);
    await followLog(
      logDir,
      id,
      (chunk) => io.write(clean(chunk)),
      controller.signal,
      Math.max(0, size),
    );
    process.off('SIGINT', stopFollowing);
  }
  return 0;
}

export async function restart(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  assertTarget(logDir, id, args, 'restart');
  const { restartJob } = await import('./restart.js');
  const result = await restartJob(logDir, id, {
    ...(args['pty'] !== undefined ? { pty: flag(args, 'pty') } : {}),
    preserveContract: flag(args, 'preserve-contract'),
    env: io.env,
  });
  if (!result.ok) throw new CcglmError(`job ${id} could not restart: ${result.message}`);
  const meta = readMeta(logDir, id);
  io.out(
    `restarted beads=${id} pid=${result.pid} retries=${meta?.['retries'] ?? '?'} log=${jobFiles(logDir, id).log} pty=${meta?.['use_pty'] ?? 'false'}`,
  );
  return 0;
}

export async function stop(args: JobArgs, io: JobIo): Promise<number> {
  const id = beadsOf(args, true);
  assertTarget(logDirOf(args, io), id, args, 'stop');
  const result = await stopJob(logDirOf(args, io), id, {});
  if (result.kind === 'not_running') {
    io.out(result.message);
    return 0;
  }
  io.out(
    `stopped ${id} (pid=${result.pid ?? '-'}, killed) exit_code=${result.outcome.exit_code} state=${result.outcome.state}${result.forced ? ' (KILL after TERM grace)' : ''}`,
  );
  return 0;
}

export function setOverride(args: JobArgs, io: JobIo): number {
  const id = beadsOf(args, true);
  const logDir = logDirOf(args, io);
  requireJob(logDir, id);
  assertTarget(logDir, id, args, 'set-override');
  // The runner reads a bare `--no-auto-restart` (no true/false after it) as "print the setting".
  const value = str(args, 'no-auto-restart') || undefined;
  const current = readMeta(logDir, id)?.['no_auto_restart'] ?? 'false';
  if (value === undefined) {
    io.out(`override for ${id}:\n  no_auto_restart=${current}`);
    return 0;
  }
  if (value !== 'true' && value !== 'false')
    throw new CcglmError(`--no-auto-restart expects true or false, got '${value}'`, ExitCode.usage);
  updateMeta(logDir, id, { no_auto_restart: value, override_set_at: formatUtc(Date.now()) });
  io.out(
    [
      `override updated for ${id}:`,
      `  no_auto_restart: ${current} -> ${value}`,
      '',
      ' watchdog will now:',
      value === 'true'
        ? '  - mark as blocked instead of restarting when stalled'
        : '  - restart normally when stalled (subject to max-retries)',
    ].join('\n'),
  );
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
  const maxRetries = count(args, 'max-retries');
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
      emptyHints: await emptyHints(logDir, io, args),
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
