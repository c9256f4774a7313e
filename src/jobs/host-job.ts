/**
 * One job hosted to its end: launch the agent (PTY or pipes; a `headless` launch runs the agent
 * launcher in this process instead of a `ccglm headless` child), append all output to `<id>.log`,
 * keep pid/meta current, sample the agent tree's CPU, and write `<id>.outcome` atomically when the
 * agent ends, whatever the reason. A host process runs one job (`host.js LOGDIR ID`) or, for a run,
 * many side by side (`host.js --serve`); either way it lives in its own session, apart from its
 * caller, so the jobs outlive a crashed scheduler.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Readable, Writable } from 'node:stream';
import type { HeadlessOptions, Terminal } from '../agent/headless.js';
import { formatUtc, jobFiles } from './ids.js';
import { isProcessAlive, readProcStat, scanProcesses, treeCpuSeconds } from './proc.js';
import { metaJson } from './meta-json.js';
import { resolveExecutable } from './resolve-command.js';
import { runInPty } from './host-pty.js';
import { readMeta, readOutcome, updateMeta, writeOutcome, writePid } from './store.js';

/** What one host process shares between the jobs it hosts. */
export interface HostContext {
  /** This process hosts several jobs (recorded as `host_shared=true`: stop never kills it for one). */
  shared: boolean;
  /** The agents running now (their pids lead their own process groups): a signal is forwarded to them. */
  agents: Set<number>;
  /**
   * Tells whoever handed the job over that its files changed: `running` once meta says so, `ended`
   * once the outcome is written (a shared host's notices to its run; the files stay the truth).
   */
  notify?: (event: 'running' | 'ended', logDir: string, id: string) => void;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

function signalNumber(signal: NodeJS.Signals | number | null | undefined): number | undefined {
  if (signal === null || signal === undefined || signal === 0) return undefined;
  if (typeof signal === 'number') return signal;
  return SIGNALS[signal] ?? 15;
}

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    // EPERM: members exist but are not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Hosts job `id` until its outcome is written; resolves then (never rejects for an agent's fault). */
export function hostJob(logDir: string, id: string, context: HostContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    launchJob(logDir, id, context, resolve).catch(reject);
  });
}

async function launchJob(
  logDir: string,
  id: string,
  context: HostContext,
  done: () => void,
): Promise<void> {
  const files = jobFiles(logDir, id);
  const meta = readMeta(logDir, id) ?? {};
  const logFd = fs.openSync(files.log, 'a');
  const write = (data: string | Uint8Array) =>
    typeof data === 'string' ? fs.writeSync(logFd, data) : fs.writeSync(logFd, data);
  const log = (line: string) => write(`[ccglm job] ${line}\n`);
  const launchedAt = Date.now();
  const cwd =
    meta['worktree'] !== undefined && meta['worktree'] !== '' ? meta['worktree'] : process.cwd();
  const usePty = meta['use_pty'] === 'true';
  let agentPid: number | undefined;
  let finished = false;
  // Who hosts the job is known from the start (an in-host launch may spend a while on auth first):
  // a stop meanwhile is recorded for it, not mistaken for a job nobody runs.
  updateMeta(logDir, id, {
    host_pid: String(process.pid),
    host_start_time: readProcStat(process.pid)?.startTime ?? '',
    ...(context.shared ? { host_shared: 'true' } : {}),
  });
  /** A stop requested before the agent was launched: it is not launched at all. */
  const stopRequested = () => (readMeta(logDir, id)?.['stop_requested_at'] ?? '') !== '';

  const finish = (
    exitCode: number,
    signal: number | undefined,
    extra: Record<string, string> = {},
  ) => {
    if (finished) return;
    finished = true;
    if (agentPid !== undefined) context.agents.delete(agentPid);
    try {
      settle(exitCode, signal, extra);
    } catch (error) {
      // The outcome could not be written (disk full, no permission): say so where it can be read.
      noteHostError(logDir, id, error);
    } finally {
      try {
        fs.closeSync(logFd);
      } catch {
        // already closed
      }
      context.notify?.('ended', logDir, id);
      done();
    }
  };
  const settle = (exitCode: number, signal: number | undefined, extra: Record<string, string>) => {
    const latest = readMeta(logDir, id) ?? meta;
    if (latest['run_id'] !== meta['run_id']) {
      // A newer attempt owns the slot (this host outlived a forced restart): do not touch its files.
      log(
        `attempt ${meta['run_id'] ?? '?'} ended (exit ${signal !== undefined ? 128 + signal : exitCode}) after a newer attempt started`,
      );
      return;
    }
    const stopped = latest['stop_requested_at'] !== undefined && latest['stop_requested_at'] !== '';
    const code = signal !== undefined ? 128 + signal : exitCode;
    const state = stopped || signal !== undefined ? 'killed' : code === 0 ? 'success' : 'failed';
    const stopReason = latest['stop_reason'];
    // Meta is final before the outcome appears: whoever wakes on the outcome reads a settled job.
    if (latest['launch_state'] !== 'failed') updateMeta(logDir, id, { launch_state: 'exited' });
    writeOutcome(logDir, id, {
      beads: id,
      run_id: latest['run_id'] ?? '',
      exit_code: code,
      state,
      completed_at: formatUtc(Date.now()),
      duration_sec: Math.round((Date.now() - launchedAt) / 1000),
      retries: Number(latest['retries'] ?? 0) || 0,
      extra: { ...extra, ...(stopped && stopReason ? { reason: stopReason } : {}) },
    });
    // Descendants left behind by the agent die with it: a finished job leaves no orphans.
    // Only when its group still has members (signal 0 only asks): an empty group's id is never signalled.
    if (agentPid !== undefined && groupExists(agentPid)) killGroup(agentPid, 'SIGTERM');
  };
  const failStart = (why: string, exitCode: number) => {
    log(`cannot start agent: ${why}`);
    updateMeta(logDir, id, { launch_state: 'failed' });
    finish(exitCode, undefined, { reason: 'agent_not_started' });
  };
  const running = (pid: number) => {
    agentPid = pid;
    context.agents.add(pid);
    const stat = readProcStat(pid);
    try {
      writePid(logDir, id, pid);
      updateMeta(logDir, id, {
        pid: String(pid),
        pid_start_time: stat?.startTime ?? '',
        launch_state: 'running',
        execution_mode: usePty ? 'pty' : 'nohup',
        launched_at: formatUtc(launchedAt),
      });
    } catch (error) {
      // The agent runs whatever: its exit still writes the outcome.
      noteHostError(logDir, id, error);
    }
    context.notify?.('running', logDir, id);
    sampleCpu(logDir, id, pid, stat?.startTime);
  };
  const stoppedBeforeLaunch = () => {
    log('stopped before its agent was launched');
    finish(143, undefined, { reason: 'stopped_before_launch' });
  };

  // Checked, not cast: a meta line that is not what it should be fails the start.
  const command = metaJson(meta, 'command');
  const ownEnv = metaJson(meta, 'job_env');
  const headless = metaJson(meta, 'headless');
  const unreadable = (error: Error) => failStart(`${id}.meta: ${error.message}`, 1);
  if (command instanceof Error) return unreadable(command);
  if (ownEnv instanceof Error) return unreadable(ownEnv);
  if (headless instanceof Error) return unreadable(headless);
  if (command === undefined || command.length === 0) return failStart('no command in meta', 1);
  // The job's environment: this process's, with the job's own values over it.
  const env: NodeJS.ProcessEnv = { ...process.env, ...ownEnv };
  if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory())
    return failStart(`worktree not found: ${cwd}`, 1);
  if (stopRequested()) return stoppedBeforeLaunch();
  if (headless !== undefined) {
    await launchHeadless(headless, {
      cwd,
      env,
      write,
      running,
      finish,
      failStart,
      stopRequested,
      ...(usePty ? { terminal: runInPty } : {}),
    });
    return;
  }
  const file = resolveExecutable(command[0] ?? '', env, cwd);
  if (file === undefined) return failStart(`${command[0]}: command not found`, 127);
  const args = command.slice(1);

  if (usePty) {
    let pid: number;
    try {
      pid = await runInPty({
        file,
        args,
        cwd,
        env,
        onData: (data) => write(data),
        onExit: (exitCode, signal) => finish(exitCode, signal),
      });
    } catch (error) {
      return failStart((error as Error).message, 126);
    }
    running(pid);
    return;
  }
  const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', logFd, logFd] });
  child.on('error', (error) => failStart(error.message, 127));
  child.on('exit', (code, signal) => finish(code ?? 1, signalNumber(signal)));
  if (child.pid !== undefined) running(child.pid);
}

interface HeadlessHooks {
  cwd: string;
  env: NodeJS.ProcessEnv;
  write: (data: string | Uint8Array) => void;
  running: (pid: number) => void;
  finish: (exitCode: number, signal: number | undefined) => void;
  failStart: (why: string, exitCode: number) => void;
  /** Asked right before the agent is spawned (auth may have taken a while). */
  stopRequested: () => boolean;
  /** The job's `--pty`: the agent runs in this pseudo-terminal (runInPty), else on pipes. */
  terminal?: Terminal;
}

/**
 * `ccglm headless` without its own process: auth, profile and launch run here and the agent becomes
 * the job's pid (its own process group), on pipes or alone in a PTY. What headless prints
 * (LAUNCH_OK, errors, the explanation of a 401/429) lands in the log as before; a launch that never
 * spawned is `agent_not_started`.
 */
async function launchHeadless(options: HeadlessOptions, hooks: HeadlessHooks): Promise<void> {
  const { runHeadless } = await import('../agent/headless.js');
  // headless's ERROR lines (the cause, then what to do): why an agent that never spawned did not.
  const errors: string[] = [];
  const sink = (keepErrors: boolean) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        if (keepErrors)
          for (const match of String(chunk).matchAll(/ERROR: (.+)/g))
            if (match[1] !== undefined) errors.push(match[1].trim());
        hooks.write(typeof chunk === 'string' ? chunk : new Uint8Array(chunk));
        callback();
      },
    });
  let spawned = false;
  let signal: number | undefined;
  const code = await runHeadless(options, {
    env: hooks.env,
    cwd: hooks.cwd,
    stdin: Readable.from([]),
    stdout: sink(false),
    stderr: sink(true),
    isRoot: process.getuid?.() === 0,
    shareOpReads: true,
    mayLaunch: () => !hooks.stopRequested(),
    onSpawn: (pid) => {
      spawned = true;
      hooks.running(pid);
    },
    onExit: (_code, ended) => (signal = ended),
    ...(hooks.terminal !== undefined ? { terminal: hooks.terminal } : {}),
  });
  if (!spawned && hooks.stopRequested()) hooks.finish(143, undefined);
  else if (!spawned)
    hooks.failStart(errors.join('; ') || `the agent did not start (exit ${code})`, code);
  else hooks.finish(signal !== undefined ? 0 : code, signal);
}

/** Records CPU progress of the agent's tree in meta, so health sees progress between checks. */
function sampleCpu(
  logDir: string,
  id: string,
  agentPid: number,
  startTime: string | undefined,
): void {
  const every = Number(process.env['CCGLM_JOB_SAMPLE_MS'] ?? 5000) || 5000;
  // Early samples first (a baseline within a second of launch), then the steady interval.
  const delays = [250, 1000, 2000].filter((ms) => ms < every);
  let last: number | undefined;
  const sample = () => {
    if (!isProcessAlive(agentPid, startTime)) return false;
    const cpu = treeCpuSeconds(scanProcesses(), agentPid);
    if (cpu === undefined || (last !== undefined && cpu <= last)) return true;
    // The first sample is the baseline: start-up CPU (a shell's exec) is not progress.
    const progressed = last !== undefined;
    last = cpu;
    try {
      updateMeta(logDir, id, {
        last_cpu_time: String(cpu),
        ...(progressed ? { cpu_progress_at: new Date().toISOString() } : {}),
      });
    } catch {
      // A corrupt or vanished meta must not take the job down; health reports it instead.
    }
    return true;
  };
  const next = () => {
    const delay = delays.shift() ?? every;
    setTimeout(() => {
      if (sample()) next();
    }, delay).unref();
  };
  next();
}

/** A host's own trouble, told in the job's log. */
export function noteHostError(logDir: string, id: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  try {
    fs.appendFileSync(jobFiles(logDir, id).log, `[ccglm job] host error: ${message}\n`);
  } catch {
    // nothing left to tell it with
  }
}

/** A host's failure to host a job, told in its log and outcome so whoever waits on it learns of it. */
export function recordHostError(logDir: string, id: string, error: unknown): void {
  noteHostError(logDir, id, error);
  try {
    if (readOutcome(logDir, id) === undefined) {
      writeOutcome(logDir, id, {
        beads: id,
        run_id: '',
        exit_code: 1,
        state: 'failed',
        completed_at: formatUtc(Date.now()),
        duration_sec: 0,
        retries: 0,
        extra: { reason: 'host_error' },
      });
    }
  } catch {
    // nothing left to tell it with
  }
}
