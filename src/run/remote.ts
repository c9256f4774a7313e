/**
 * A task on a target, as the run drives it (src/targets/remote-attempt.ts does the SSH side): the
 * base commit is pushed there and the task runs there as a detached `ccglm job`; its end is read
 * over SSH (reconnecting with backoff when the connection drops: the job runs on); its branch is
 * fetched back to a local ref and merged like any task's. A target that stays unreachable makes
 * the task Blocked; its job there is not stopped, and `--resume` re-attaches to it.
 */
import path from 'node:path';
import type { JobOutcome } from '../jobs/index.js';
import type { Task } from '../plan/types.js';
import type { Target } from '../targets/config.js';
import {
  attachRemoteAttempt,
  collectRemote,
  remoteLogTail,
  startRemoteAttempt,
  stopRemote,
  waitRemote,
  type RemoteAttempt,
  type RemoteAttemptRecord,
} from '../targets/remote-attempt.js';
import { DEFAULT_BACKOFF, type Backoff, type RemoteEnd } from '../targets/follow.js';
import { fetchedRef, openPlace } from '../targets/remote-task.js';
import { Attempt, workspaceOf } from './attempt.js';
import { git } from './git.js';
import type { ResolvedRepo } from './repos.js';
import type { RunCore } from './run-core.js';
import type { StartedTask } from './run-state.js';
import { mergeWork } from './merge-work.js';
import { onRateLimit } from './rate-limits.js';
import type { JobFacts } from './task-log.js';

/** A stop is tried for a few seconds: an interrupted run does not wait minutes for a lost target. */
const STOP_BACKOFF = { firstMs: 500, maxMs: 2000, budgetMs: 5000 };

/**
 * How long a target may stay unreachable before its tasks are Blocked, and how often a running
 * remote job is looked at: `CCGLM_TARGET_RETRY_BUDGET_MS` (default 180 s) and
 * `CCGLM_TARGET_POLL_MS` (default 2 s).
 */
function reconnectSettings(env: NodeJS.ProcessEnv): { backoff?: Backoff; pollMs?: number } {
  const number = (name: string) => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const budgetMs = number('CCGLM_TARGET_RETRY_BUDGET_MS');
  const pollMs = number('CCGLM_TARGET_POLL_MS');
  return {
    ...(budgetMs !== undefined
      ? { backoff: { ...DEFAULT_BACKOFF, firstMs: Math.min(1000, budgetMs / 4), budgetMs } }
      : {}),
    ...(pollMs !== undefined ? { pollMs } : {}),
  };
}

/** Where a remote attempt's work is, for the plan's log (`target:folder`). */
const placeOf = (target: string, record?: RemoteAttemptRecord) =>
  record !== undefined ? `${target}:${record.root}/worktrees/${record.jobId}` : target;

/** Starts the task's job on `target`; the attempt is recorded (resume state) before it starts. */
export async function launchRemote(
  core: RunCore,
  task: Task,
  repo: ResolvedRepo,
  target: Target,
  jobId: string,
  prompt: (worktree: string, branch: string) => string,
): Promise<Attempt | undefined> {
  const { workspace } = core;
  await workspace.integration.ensure(repo);
  const base = workspace.integration.tip(repo) as string;
  // One branch per attempt there: an earlier attempt's worktree (kept with its work) has its own.
  const branch = `${workspace.integration.name}--${jobId}`;
  const remoteTask = { jobId, repoName: repo.name, branch };
  const number = (core.rateRetries.get(task.id) ?? 0) + 1;
  // Where its work is, as the plan's log names it: `target:folder` there.
  const worktree = `${target.name}:${path.posix.join(target.workdir, 'worktrees', jobId)}`;
  const ws = { repo, worktree, branch: fetchedRef(target, remoteTask), base };
  const attempt = new Attempt(task.id, jobId, ws, core.now(), number);
  attempt.target = target;
  core.record(attempt, { target: target.name });
  const started = await startRemoteAttempt(target, remoteTask, {
    localRepo: repo.path,
    base,
    prompt: prompt(`${target.workdir}/worktrees/${jobId}`, branch),
    attempt: number,
    ...(core.mux !== undefined ? { mux: core.mux } : {}),
  });
  if (core.stoppedNow) {
    // Stopped at once while it started there: it is stopped there too.
    if (started.kind === 'started')
      await stopRemote(started.attempt, { backoff: STOP_BACKOFF }).catch(() => undefined);
    return undefined;
  }
  if (started.kind === 'unreachable') {
    await core.finishAttempt(attempt, 'Blocked', {
      reason: `target ${target.name} unreachable: ${started.reason}`,
      commits: [],
      log: [`target ${target.name} unreachable before ${jobId} started: ${started.reason}`],
    });
    return undefined;
  }
  attempt.remote = started.attempt;
  core.record(attempt, { target: target.name, remote: started.attempt.record });
  attempt.phase = 'running';
  const where = placeOf(target.name, started.attempt.record);
  await core.writer.write({
    taskId: task.id,
    status: 'In Progress',
    log: [
      `job ${jobId} running on target ${target.name} in ${where} on branch ${branch}`,
      ...(started.uncertain !== undefined
        ? [`its start was not confirmed: ${started.uncertain}`]
        : []),
    ].join('\n'),
  });
  core.emitStart(task.id, { job: jobId, worktree: where, branch: ws.branch, attempt: number });
  return attempt;
}

/**
 * A remote attempt recorded by a dead run, followed again (--resume); nothing is started. One whose
 * start the dead run never heard answered has its record made again from what is known (the
 * target's workdir, the job id, the branch, the attempt's claim): a job that is there is taken up;
 * none is, after the wait's grace, lost (Failed, and a re-run starts it again). Undefined when the
 * target is not to be reached now.
 */
export async function adoptRemote(
  core: RunCore,
  id: string,
  entry: StartedTask,
): Promise<Attempt | undefined> {
  const target = core.targets.get(entry.remote?.target ?? entry.target ?? '');
  if (target === undefined) return undefined;
  let record = entry.remote;
  if (record === undefined) {
    const place = await openPlace(target, core.mux).catch(() => undefined);
    if (place === undefined) return undefined;
    const prefix = fetchedRef(target, { jobId: '', repoName: '', branch: '' });
    record = {
      target: target.name,
      root: place.root,
      jobId: entry.jobId,
      repoName: entry.repo,
      branch: entry.branch.slice(prefix.length),
      attempt: entry.attempt,
    };
  }
  const remote = attachRemoteAttempt(target, record, core.mux);
  const ws = {
    ...workspaceOf(entry),
    worktree: placeOf(target.name, record),
    branch: fetchedRef(target, remote.task),
  };
  const attempt = new Attempt(id, entry.jobId, ws, entry.startedAt, record.attempt, true);
  attempt.target = target;
  attempt.remote = remote;
  return attempt;
}

/** Waits for the remote job's end, through lost connections (the job runs on meanwhile). */
export function waitForRemoteEnd(core: RunCore, attempt: Attempt): Promise<RemoteEnd> {
  const { remote, target } = attempt;
  if (remote === undefined || target === undefined) return Promise.resolve({ kind: 'aborted' });
  return waitRemote(remote, {
    signal: attempt.signal,
    ...reconnectSettings(process.env),
    onRetry: ({ delayMs, reason }) =>
      core.options.emit({
        type: 'task.output',
        t: core.now(),
        id: attempt.taskId,
        line: `target ${target.name}: ${reason}; reconnecting in ${Math.round(delayMs / 1000)} s`,
      }),
  });
}

/**
 * No outcome will come from the target: unreachable past the backoff's budget (Blocked; the job
 * there is not stopped, --resume re-attaches), or the job is not there / its host died (Failed).
 */
export async function remoteGone(
  core: RunCore,
  attempt: Attempt,
  end: Extract<RemoteEnd, { kind: 'unreachable' | 'lost' }>,
): Promise<void> {
  const name = attempt.target?.name ?? '?';
  if (end.kind === 'unreachable') {
    await core.finishAttempt(
      attempt,
      'Blocked',
      {
        reason: `target ${name} unreachable: ${end.reason}`,
        commits: [],
        log: [
          `job ${attempt.jobId} on target ${name}: ${end.reason}`,
          `its job there was not stopped; ccglm run --resume ${core.options.plan} re-attaches to it`,
        ],
      },
      true,
    );
    return;
  }
  await core.finishAttempt(attempt, 'Failed', {
    reason: `its job on target ${name} is lost: ${end.reason}`,
    commits: [],
    log: [
      `job ${attempt.jobId}: ${end.reason}`,
      `worktree there: ${placeOf(name, attempt.remote?.record)}`,
    ],
  });
}

/** A remote job's end, judged (after follow.ts judge claimed it): a failed agent fails the task; a successful one's branch is fetched and merged. */
export async function judgeRemote(
  core: RunCore,
  attempt: Attempt,
  remote: RemoteAttempt,
  outcome: JobOutcome,
): Promise<void> {
  const { target } = remote.place;
  const where = placeOf(target.name, remote.record);
  const durationMs = Math.max(0, core.now() - attempt.startedAt);
  const job: JobFacts = {
    jobId: attempt.jobId,
    agent: `${target.name}'s default`,
    durationMs,
    exitCode: outcome.exit_code,
    restarts: 0,
  };
  const logThere = `its log is on target ${target.name}: ${remote.record.root}/logs/${attempt.jobId}.log`;
  if (outcome.state !== 'success' || outcome.exit_code !== 0) {
    // A rate limit there slows the run down and requeues the task, as one here does.
    if (outcome.state !== 'killed') {
      const rate = await onRateLimit(core, attempt, await remoteLogTail(remote), outcome);
      if (rate.requeued) return;
    }
    const interrupted = core.interrupted !== undefined ? `interrupted (${core.interrupted}), ` : '';
    const reason = `${interrupted}${outcome.state === 'killed' ? 'killed' : 'agent failed'} on target ${target.name} (exit ${outcome.exit_code})`;
    await core.finishAttempt(attempt, 'Failed', {
      reason,
      exitCode: outcome.exit_code,
      commits: [],
      durationMs,
      log: [reason, logThere, `worktree there: ${where}`],
    });
    return;
  }
  const task = core.tasks.get(attempt.taskId) as Task;
  const title = `${task.id}: ${task.name}`;
  const identity = await committer(attempt.ws.repo.path);
  const collected = await collectRemote(remote, attempt.ws.repo.path, {
    message: `${title} (uncommitted work on target ${target.name})`,
    ...identity,
  });
  if (collected.kind !== 'collected') {
    const why = collected.kind === 'unreachable' ? collected.reason : 'stopped';
    await core.finishAttempt(
      attempt,
      'Blocked',
      {
        reason: `its work on target ${target.name} could not be fetched: ${why}`,
        commits: [],
        durationMs,
        log: [
          `job ${attempt.jobId} succeeded there; fetching its branch failed: ${why}`,
          logThere,
          `ccglm run --resume ${core.options.plan} fetches and merges it`,
        ],
      },
      true,
    );
    return;
  }
  // The fetched ref, once merged, goes as a local task's merged branch does (only from that tip).
  await mergeWork(core, attempt, job, [], (tip) => {
    void git(attempt.ws.repo.path, ['update-ref', '-d', attempt.ws.branch, tip], {
      background: true,
    });
  });
}

/** Stops a remote attempt's job (an interrupt); a target that does not answer is given a few tries. */
export async function stopRemoteAttempt(attempt: Attempt): Promise<void> {
  if (attempt.remote === undefined) return;
  await stopRemote(attempt.remote, { backoff: STOP_BACKOFF }).catch(() => undefined);
}

/** The local committer (name and email), who commits what a remote task left uncommitted. */
async function committer(repo: string): Promise<{ name: string; email: string }> {
  const ident = (await git(repo, ['var', 'GIT_COMMITTER_IDENT'])).stdout;
  const match = /^(.*) <([^>]*)>/.exec(ident);
  return { name: match?.[1] ?? 'ccglm', email: match?.[2] ?? 'ccglm@localhost' };
}
