/**
 * An attempt followed to its end and judged: the job's outcome (or its host's death) is read, a
 * rate limit requeues the task, a failed agent fails it, a successful one has its branch merged
 * (workspace.finishTask) and the task is Completed. Whatever goes wrong on the way fails that task,
 * never the run.
 */
import { readMeta, stopJob, type JobEnd, type JobOutcome } from '../jobs/index.js';
import type { Attempt } from './attempt.js';
import { branchCommits, filesChanged, isAncestor } from './git.js';
import { logTail, summaryOf } from './job-output.js';
import { mergeWork } from './merge-work.js';
import { onRateLimit } from './rate-limits.js';
import { judgeRemote, remoteGone, waitForRemoteEnd } from './remote.js';
import type { RunCore } from './run-core.js';
import { branchLog, failedJobLog, type JobFacts } from './task-log.js';

/** Waits for the attempt's job to end, then judges it (unless the wait was stopped). */
export async function follow(core: RunCore, attempt: Attempt): Promise<void> {
  if (attempt.remote !== undefined) {
    const end = await waitForRemoteEnd(core, attempt);
    if (end.kind === 'aborted' || core.attempts.get(attempt.taskId) !== attempt) return;
    if (end.kind === 'ended') await settle(core, attempt, end.outcome);
    else await remoteGone(core, attempt, end);
    return;
  }
  let end: JobEnd;
  try {
    end = await attempt.waitForEnd(core.options.logDir, core.host);
  } catch (error) {
    // Its files cannot be read (a corrupt outcome): the task fails, the run goes on.
    if (core.attempts.get(attempt.taskId) !== attempt) return;
    await core.finishAttempt(attempt, 'Failed', {
      reason: `its job could not be read: ${(error as Error).message}`,
      commits: [],
    });
    return;
  }
  if (end.kind === 'aborted' || core.attempts.get(attempt.taskId) !== attempt) return;
  if (end.kind === 'lost') await onHostLost(core, attempt, end.agentAlive);
  else await settle(core, attempt, end.outcome);
}

/**
 * The job's host died before writing its outcome (killed): nobody supervises the agent now. One
 * still running is stopped (its exit would never be known); the task is Failed with the reason,
 * its commits stay on its branch, and a re-run (or --resume) starts it again.
 */
async function onHostLost(core: RunCore, attempt: Attempt, agentAlive: boolean): Promise<void> {
  core.attempts.delete(attempt.taskId);
  const { logDir } = core.options;
  const hostPid = readMeta(logDir, attempt.jobId)?.['host_pid'] ?? '?';
  if (agentAlive)
    await stopJob(logDir, attempt.jobId, { reason: 'host_died' }).catch(() => undefined);
  const { ws } = attempt;
  const commits = await unmergedCommits(core, attempt);
  const reason = `interrupted: its job host (pid ${hostPid}) died${agentAlive ? '; its agent, left unsupervised, was stopped' : ' and its agent with it'}`;
  await core.finishAttempt(attempt, 'Failed', {
    reason,
    commits,
    log: [
      `job ${attempt.jobId}: ${reason}`,
      commits.length > 0
        ? `its ${commits.length} commit(s) stay on branch ${ws.branch}`
        : `no commits on branch ${ws.branch}`,
      `worktree kept: ${ws.worktree}`,
      'a re-run (or --resume) starts it again',
    ],
  });
}

/**
 * The commits an attempt that did not complete left on its own branch (none with repo isolation:
 * its agent worked on the integration branch itself).
 */
function unmergedCommits(core: RunCore, attempt: Attempt): Promise<string[]> {
  const { ws } = attempt;
  if (ws.branch === core.workspace.integration.name) return Promise.resolve([]);
  return branchCommits(ws.repo.path, ws.base, ws.branch)
    .then((log) => log.commits)
    .catch(() => []);
}

/**
 * A job's end, judged. Tracked until done: a run that ends (--detach) finishes the merges under way
 * before its summary.
 */
export function settle(core: RunCore, attempt: Attempt, outcome: JobOutcome): Promise<void> {
  const work = judge(core, attempt, outcome).catch(async (error: unknown) => {
    if (core.ended.has(attempt.taskId)) return;
    const reason = `could not judge its end: ${(error as Error).message.split('\n')[0] ?? ''}`;
    await core.finishAttempt(attempt, 'Failed', {
      reason,
      exitCode: outcome.exit_code,
      commits: [],
      log: [reason, `worktree kept: ${attempt.ws.worktree}`],
    });
  });
  return core.track(work);
}

async function judge(core: RunCore, attempt: Attempt, outcome: JobOutcome): Promise<void> {
  await core.announced(attempt);
  if (core.attempts.get(attempt.taskId) !== attempt) return;
  // Claimed synchronously: a second waiter for the same job (after a restart) finds it gone.
  core.attempts.delete(attempt.taskId);
  // A job this run restarts (the watchdog's) ends only with its restart.
  if (attempt.remote === undefined && outcome.extra['ccglm_restarting'] === 'true') return;
  const { options } = core;
  const id = attempt.taskId;
  options.emit({ type: 'task.exit', t: core.now(), id, exitCode: outcome.exit_code });
  if (attempt.remote !== undefined) return judgeRemote(core, attempt, attempt.remote, outcome);
  const output = logTail(options.logDir, attempt.jobId, 400);
  const rate = await onRateLimit(core, attempt, output, outcome);
  if (rate.requeued) return;
  const summary = summaryOf(output);
  const durationMs = jobDuration(core.now(), attempt, outcome);
  const job: JobFacts = {
    jobId: attempt.jobId,
    agent: core.agentName,
    durationMs,
    exitCode: outcome.exit_code,
    restarts: attempt.restarts,
    ...(rate.line !== undefined ? { rateLimit: rate.line } : {}),
  };
  if (outcome.state !== 'success' || outcome.exit_code !== 0) {
    const reason = `${core.interrupted !== undefined ? `interrupted (${core.interrupted}), ` : ''}${outcome.state === 'killed' ? 'killed' : 'agent failed'} (exit ${outcome.exit_code})`;
    // What it committed before it failed stays on its branch (not merged): the plan says so.
    const { ws } = attempt;
    const commits = await unmergedCommits(core, attempt);
    await core.finishAttempt(attempt, 'Failed', {
      reason,
      exitCode: outcome.exit_code,
      commits,
      durationMs,
      log: failedJobLog(job, reason, summary, ws.worktree, { branch: ws.branch, commits }),
    });
    return;
  }
  if (attempt.adopted && (await mergedBefore(core, attempt, job, summary))) return;
  const { repo } = attempt.ws;
  await mergeWork(core, attempt, job, summary, (tip) => {
    void core.workspace
      .release(attempt.ws, tip)
      .then(() => core.workspace.trimPool(repo, core.notStartedIn(repo)));
  });
}

/**
 * An adopted job whose branch an earlier run already merged (it died before the plan said so): the
 * task is recorded Completed, without a second merge.
 */
async function mergedBefore(
  core: RunCore,
  attempt: Attempt,
  job: JobFacts,
  summary: string[],
): Promise<boolean> {
  const { ws } = attempt;
  const { workspace } = core;
  await workspace.integration.ensure(ws.repo);
  const integration = workspace.integration.name;
  const log = await branchCommits(ws.repo.path, ws.base, ws.branch).catch(() => undefined);
  if (log?.tip === undefined) return false;
  if (!(await isAncestor(ws.repo.path, log.tip, integration))) return false;
  const files = await filesChanged(ws.repo.path, ws.base, ws.branch).catch(() => [] as string[]);
  // As a Completed task's of the dead run: its worktree may have gone to another task already.
  workspace.removeMerged(ws);
  await core.finishAttempt(attempt, 'Completed', {
    exitCode: 0,
    commits: log.commits,
    filesEdited: files,
    durationMs: job.durationMs,
    log: [
      ...branchLog(job, summary, ws.branch, log.commits, []),
      `merged into ${integration} (by the run that started it)`,
    ],
  });
  return true;
}

/**
 * How long a job ran, measured once (the plan's log and the console show this one value): until
 * now, or for an adopted job that ended before this run took it over, until its outcome's end.
 */
function jobDuration(now: number, attempt: Attempt, outcome: JobOutcome): number {
  const completed = Date.parse(outcome.completed_at);
  const end = attempt.adopted && Number.isFinite(completed) ? Math.min(completed, now) : now;
  return Math.max(0, end - attempt.startedAt);
}
