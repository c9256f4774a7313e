/**
 * Supervision of the running attempts: the watchdog (stalled -> one restart -> Blocked, from the
 * jobs' CPU progress, one look at /proc for all of them), and interrupts: Ctrl-C stops the agents
 * (or, with --detach, leaves them running for --resume), a second one kills them at once.
 */
import {
  indexByPid,
  jobHealth,
  killJobNow,
  restartJob,
  scanProcesses,
  stopJob,
} from '../jobs/index.js';
import type { Attempt } from './attempt.js';
import { follow } from './follow.js';
import { branchCommits } from './git.js';
import { lastLine } from './job-output.js';
import { stopRemoteAttempt } from './remote.js';
import type { RunCore } from './run-core.js';
import { signalExitCode, type StopSignal } from './run-options.js';
import { rerunCommand } from './summary.js';
import { branchLine } from './task-log.js';

/** Checks the running attempts' health on an interval; returns what stops it. */
export function startWatchdog(core: RunCore): () => void {
  const stallMs = (core.options.stallMinutes ?? 20) * 60_000;
  let checking = false;
  const interval = setInterval(
    () => {
      if (checking) return;
      checking = true;
      void checkHealth(core).finally(() => (checking = false));
    },
    Math.min(5000, Math.max(200, stallMs / 2)),
  );
  return () => clearInterval(interval);
}

/** Stops an attempt's job, here or on its target (its outcome then says `killed`). */
export async function stopAttempt(core: RunCore, attempt: Attempt, reason: string): Promise<void> {
  if (attempt.target !== undefined) await stopRemoteAttempt(attempt);
  else await stopJob(core.options.logDir, attempt.jobId, { reason }).catch(() => undefined);
}

/** Local jobs only: a job on a target is watched by nobody but its own host there. */
async function checkHealth(core: RunCore): Promise<void> {
  const running = core.running().filter((attempt) => attempt.target === undefined);
  if (running.length === 0) return;
  const { options } = core;
  const processes = scanProcesses();
  const processIndex = indexByPid(processes);
  for (const attempt of running) {
    const health = jobHealth(options.logDir, attempt.jobId, {
      stallMinutes: options.stallMinutes ?? 20,
      processes,
      processIndex,
      // What it measured is kept in the job's meta: a worktree change is progress once, not at
      // every check (without it, an agent that changed a file and then hung was never stalled).
      record: true,
    });
    const last = lastLine(options.logDir, attempt.jobId);
    if (last !== undefined)
      options.emit({ type: 'task.output', t: core.now(), id: attempt.taskId, line: last });
    if (health.health !== 'stalled') continue;
    // One restart; stalled again, it is Blocked.
    if (attempt.restarts === 0) await restart(core, attempt, health.reason_code);
    else {
      core.attempts.delete(attempt.taskId); // its waiter will see the stop's outcome and ignore it
      await stopJob(options.logDir, attempt.jobId, { reason: 'stalled' }).catch(() => undefined);
      // What it committed before it stalled stays on its branch: said, not "0 commits".
      const { ws } = attempt;
      const work =
        ws.branch === core.workspace.integration.name
          ? []
          : ((await branchCommits(ws.repo.path, ws.base, ws.branch).catch(() => undefined))
              ?.commits ?? []);
      await core.finishAttempt(attempt, 'Blocked', {
        reason: `stalled after ${attempt.restarts} restart(s) (${health.reason_code})`,
        commits: work,
        log: [
          `job ${attempt.jobId} stalled again (${health.reason_code}) after ${attempt.restarts} restart(s): blocked`,
          ...(work.length > 0 ? [`${branchLine(ws.branch, work)} (not merged)`] : []),
          `worktree kept: ${ws.worktree}`,
        ],
      });
    }
  }
}

/** A stalled job started again in place (the same job id, worktree and branch). */
async function restart(core: RunCore, attempt: Attempt, reasonCode: string): Promise<void> {
  attempt.restarts += 1;
  core.emitRestart(attempt, reasonCode, attempt.restarts + 1);
  void core.writer.write({
    taskId: attempt.taskId,
    log: `job ${attempt.jobId} stalled (${reasonCode}); restarted (attempt ${attempt.restarts + 1})`,
  });
  // The wait for the stopped agent's end is not this attempt's end: a new wait follows the restart.
  attempt.stopWaiting();
  await restartJob(core.options.logDir, attempt.jobId, { host: core.host }).catch(() => undefined);
  if (core.attempts.get(attempt.taskId) === attempt) void follow(core, attempt);
}

/** Ctrl-C (or SIGTERM): nothing more starts; the agents are stopped, or left running (--detach). */
export async function onSignal(core: RunCore, signal: StopSignal): Promise<void> {
  core.interrupted = signal;
  core.scheduler.halt();
  const detach = core.options.detach === true || signal === 'SIGHUP';
  core.options.emit({ type: 'run.signal', t: core.now(), signal, detach });
  if (detach) {
    core.detached = true;
    for (const attempt of core.running()) {
      attempt.stopWaiting();
      leaveRunning(core, attempt, signal === 'SIGHUP' ? 'its terminal closed' : '--detach');
    }
    core.wake();
    return;
  }
  await Promise.all(
    core.running().map((attempt) => stopAttempt(core, attempt, `interrupted (${signal})`)),
  );
  core.wake();
}

/** A job left to run on after --detach: the plan says so and names what adopts it. */
export function leaveRunning(core: RunCore, attempt: Attempt, why = '--detach'): void {
  core.attempts.delete(attempt.taskId);
  core.leftRunning.add(attempt.taskId);
  void core.writer.write({
    taskId: attempt.taskId,
    status: 'In Progress',
    log: `job ${attempt.jobId} left running (${why}) in ${attempt.ws.worktree}; ccglm run --resume ${core.options.plan} adopts it`,
  });
}

/**
 * A second Ctrl-C: every agent of this run is killed at once (its group and session), those being
 * launched too (a host that has not launched its agent yet will not), the plan records the tasks as
 * interrupted, and the run ends without waiting for anything else.
 */
export async function stopNow(core: RunCore, signal: StopSignal): Promise<number> {
  core.stoppedNow = true;
  core.interrupted = signal;
  core.scheduler.halt();
  core.options.emit({ type: 'run.signal', t: core.now(), signal, detach: false, force: true });
  const reason = `interrupted (${signal} twice)`;
  const stopped = [...core.attempts.values()];
  core.attempts.clear();
  const remote: Promise<void>[] = [];
  for (const attempt of stopped) {
    attempt.stopWaiting();
    if (attempt.target !== undefined) remote.push(stopRemoteAttempt(attempt));
    else killJobNow(core.options.logDir, attempt.jobId, reason);
    core.markEnded(attempt.taskId);
    const entry = core.state.tasks[attempt.taskId];
    core.ended.set(attempt.taskId, { status: 'Failed', commits: [], reason });
    void core.writer.write({
      taskId: attempt.taskId,
      status: 'Failed',
      log: core.logOf(attempt.taskId, [
        `job ${attempt.jobId}: ${reason}; its agent was killed`,
        ...(entry !== undefined ? [`worktree kept: ${entry.worktree}`] : []),
      ]),
    });
  }
  core.saveState();
  await Promise.all([core.writer.flush(), ...remote]);
  core.options.print(
    `\nstopped at once: ${stopped.length} agent(s) killed, recorded as Failed in ${core.options.plan}; ${rerunCommand(core.options.plan, core.options)} starts them again\n`,
  );
  return signalExitCode(signal);
}
