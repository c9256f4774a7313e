/**
 * The detached job host: `node host.js <logDir> <id>`. One per job, in its own session. It launches
 * the agent (PTY or pipes) in the worktree, appends all output to `<id>.log`, keeps pid/meta current,
 * samples the agent tree's CPU, and writes `<id>.outcome` atomically when the agent ends, whatever
 * the reason. It imports nothing heavy (no yargs, no remark) to stay small in memory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { formatUtc, jobFiles } from './ids.js';
import {
  isProcessAlive,
  readProcStat,
  scanProcesses,
  sessionMembers,
  treeCpuSeconds,
} from './proc.js';
import { resolveExecutable } from './resolve-command.js';
import { runInPty } from './host-pty.js';
import { readMeta, readOutcome, updateMeta, writeOutcome, writePid } from './store.js';

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

function signalNumber(signal: NodeJS.Signals | number | null | undefined): number | undefined {
  if (signal === null || signal === undefined || signal === 0) return undefined;
  if (typeof signal === 'number') return signal;
  return SIGNALS[signal] ?? 15;
}

async function main(logDir: string, id: string): Promise<void> {
  const files = jobFiles(logDir, id);
  const meta = readMeta(logDir, id) ?? {};
  const logFd = fs.openSync(files.log, 'a');
  const log = (line: string) => fs.writeSync(logFd, `[ccglm job] ${line}\n`);
  const launchedAt = Date.now();
  const cwd =
    meta['worktree'] !== undefined && meta['worktree'] !== '' ? meta['worktree'] : process.cwd();
  const command = JSON.parse(meta['command'] ?? '[]') as string[];
  const env = process.env;
  let agentPid: number | undefined;
  let finished = false;

  const finish = (
    exitCode: number,
    signal: number | undefined,
    extra: Record<string, string> = {},
  ) => {
    if (finished) return;
    finished = true;
    const latest = readMeta(logDir, id) ?? meta;
    if (latest['run_id'] !== meta['run_id']) {
      // A newer attempt owns the slot (this host outlived a forced restart): do not touch its files.
      log(
        `attempt ${meta['run_id'] ?? '?'} ended (exit ${signal !== undefined ? 128 + signal : exitCode}) after a newer attempt started`,
      );
      process.exit(0);
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
    // Only when the scan shows some are left: an empty group's id is never signalled.
    if (agentPid !== undefined && sessionMembers(scanProcesses(), agentPid).length > 0) {
      killGroup(agentPid, 'SIGTERM');
    }
    fs.closeSync(logFd);
    process.exit(0);
  };
  const failStart = (why: string, exitCode: number) => {
    log(`cannot start agent: ${why}`);
    updateMeta(logDir, id, { launch_state: 'failed' });
    finish(exitCode, undefined, { reason: 'agent_not_started' });
  };

  if (command.length === 0) return failStart('no command in meta', 1);
  if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory())
    return failStart(`worktree not found: ${cwd}`, 1);
  const file = resolveExecutable(command[0] ?? '', env, cwd);
  if (file === undefined) return failStart(`${command[0]}: command not found`, 127);
  const args = command.slice(1);
  const usePty = meta['use_pty'] === 'true';

  // Forward termination to the agent's group; the outcome is written when the agent has exited.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (agentPid !== undefined) killGroup(agentPid, sig);
    });
  }

  if (usePty) {
    try {
      agentPid = await runInPty({
        file,
        args,
        cwd,
        env,
        onData: (data) => fs.writeSync(logFd, data),
        onExit: (exitCode, signal) => finish(exitCode, signal),
      });
    } catch (error) {
      return failStart((error as Error).message, 126);
    }
  } else {
    const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', logFd, logFd] });
    child.on('error', (error) => failStart(error.message, 127));
    child.on('exit', (code, signal) => finish(code ?? 1, signalNumber(signal)));
    agentPid = child.pid;
    if (agentPid === undefined) return;
  }
  const stat = readProcStat(agentPid);
  writePid(logDir, id, agentPid);
  updateMeta(logDir, id, {
    pid: String(agentPid),
    pid_start_time: stat?.startTime ?? '',
    host_pid: String(process.pid),
    host_start_time: readProcStat(process.pid)?.startTime ?? '',
    launch_state: 'running',
    execution_mode: usePty ? 'pty' : 'nohup',
    launched_at: formatUtc(launchedAt),
  });
  sampleCpu(logDir, id, agentPid, stat?.startTime);
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
    if (!isProcessAlive(agentPid, startTime)) return;
    const cpu = treeCpuSeconds(scanProcesses(), agentPid);
    if (cpu === undefined || (last !== undefined && cpu <= last)) return;
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
  };
  const next = () => {
    const delay = delays.shift() ?? every;
    setTimeout(() => {
      sample();
      next();
    }, delay).unref();
  };
  next();
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const [logDir, id] = process.argv.slice(2);
if (logDir === undefined || id === undefined) {
  process.stderr.write('usage: host.js <logDir> <id>\n');
  process.exit(2);
}
// The host's stdio goes nowhere (it is detached): a failure of its own is told in the job's log and
// outcome, so whoever waits on the job learns of it.
main(logDir, id).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  try {
    fs.appendFileSync(jobFiles(logDir, id).log, `[ccglm job] host error: ${message}\n`);
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
  process.exit(1);
});
