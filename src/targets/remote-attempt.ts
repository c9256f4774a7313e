/**
 * One attempt of a task on a target, from its start to its outcome, as the run drives it: start (or,
 * after a local crash, attach from what the run recorded), wait through lost connections, collect
 * the work, or stop it. The job is detached there: whatever happens to this machine or the
 * connection, it runs on, and an attempt's agent is started there at most once (its claim).
 */
import path from 'node:path';
import stripAnsi from 'strip-ansi';
import { CcglmError } from '../errors.js';
import { parseKeyValues } from '../jobs/kv.js';
import { parseOutcome } from '../jobs/store.js';
import type { Target } from './config.js';
import {
  followJob,
  withReconnect,
  type FollowOptions,
  type JobReading,
  settled,
  type Reach,
  type Reconnected,
  type RemoteEnd,
  type RetryOptions,
} from './follow.js';
import {
  collect,
  openPlace,
  pushBase,
  RemoteError,
  startTask,
  type RemotePlace,
  type RemoteTask,
  claimDir,
  jobStatusLine,
  readJobStatus,
} from './remote-task.js';
import {
  closeMux,
  lastLine,
  remoteLine,
  runOnTarget,
  SSH_FAILED,
  type RemoteResult,
} from './ssh.js';

/** What the run records locally to follow the attempt again after it died (JSON as it is). */
export interface RemoteAttemptRecord {
  target: string;
  /** `workdir` there, absolute. */
  root: string;
  jobId: string;
  repoName: string;
  branch: string;
  attempt: number;
  /** The job's run id there; absent when the start's answer was lost with the connection. */
  runId?: string;
}

export interface RemoteAttempt {
  place: RemotePlace;
  task: RemoteTask;
  record: RemoteAttemptRecord;
}

export interface StartRemoteOptions {
  /** The local repository the base commit is pushed from and the branch is fetched into. */
  localRepo: string;
  /** The task's base commit. */
  base: string;
  prompt: string;
  /** The run's attempt number of this task (default 1). */
  attempt?: number;
  /** The agent's argv there (default: ccglm's default agent there). */
  agent?: string[];
  /** The folder of control sockets (ssh.ts muxFolder): every call shares one connection. */
  mux?: string;
}

export type StartRemoteResult =
  | {
      kind: 'started';
      attempt: RemoteAttempt;
      /** Set when the connection dropped during the start: the job may run; waitRemote tells. */
      uncertain?: string;
    }
  /** The target could not be reached before anything was claimed there: nothing started. */
  | { kind: 'unreachable'; reason: string };

const attemptOf = (place: RemotePlace, task: RemoteTask, attempt: number, runId?: string) => ({
  place,
  task,
  record: {
    target: place.target.name,
    root: place.root,
    ...task,
    attempt,
    ...(runId !== undefined ? { runId } : {}),
  },
});

/**
 * One call there: its result, or why the target could not be reached (the transport's exit 255, or
 * no answer within `timeoutMs`: a hung connection counts as lost).
 */
async function call(
  place: RemotePlace,
  line: string,
  timeoutMs = 60_000,
): Promise<Reach<RemoteResult>> {
  const result = await runOnTarget(place.target, line, {
    timeoutMs,
    ...(place.mux !== undefined ? { mux: place.mux } : {}),
  });
  if (result.code !== SSH_FAILED) return { ok: true, value: result };
  // A shared connection that hangs would hang every later call too: the next one opens a new one.
  if (result.timedOut && place.mux !== undefined) await closeMux(place.target, place.mux);
  const why = result.timedOut ? `no answer in ${timeoutMs} ms` : lastLine(result.stderr);
  return { ok: false, reason: why || 'the transport failed' };
}

/** Whether the target answers a trivial command now (to tell a lost connection from a refusal). */
const reachable = (place: RemotePlace) => call(place, 'true');

const places = new Map<string, Promise<RemotePlace>>();

/**
 * The target's workdir with the repository's clone, made once for the attempts that start at the
 * same time (concurrent `git init`s of one clone fight over its config). Only while it is under
 * way: a later attempt asks again (and so finds out whether the target answers).
 */
function placeFor(target: Target, mux: string | undefined, repoName: string) {
  const key = [target.name, target.workdir, mux ?? '', repoName].join('\0');
  let place = places.get(key);
  if (place === undefined) {
    place = openPlace(target, mux, [repoName]);
    places.set(key, place);
    const forget = () => void places.delete(key);
    place.then(forget, forget);
  }
  return place;
}

const pushes = new Map<string, Promise<void>>();

/**
 * The base pushed once for the attempts that start from it at the same time (concurrent pushes to
 * one clone fail there); a later attempt pushes again (nothing to send when the ref is there).
 */
function pushOnce(place: RemotePlace, task: RemoteTask, localRepo: string, base: string) {
  const { target } = place;
  const key = [target.name, place.root, place.mux ?? '', task.repoName, base].join('\0');
  let push = pushes.get(key);
  if (push === undefined) {
    push = pushBase(place, task, localRepo, base);
    pushes.set(key, push);
    const forget = () => void pushes.delete(key);
    push.then(forget, forget);
  }
  return push;
}

/**
 * Pushes the base and starts the attempt's job there. Throws (CcglmError) when the target answered
 * but refused: the attempt was started before, git or `ccglm job start` failed there.
 */
export async function startRemoteAttempt(
  target: Target,
  task: RemoteTask,
  options: StartRemoteOptions,
): Promise<StartRemoteResult> {
  const attempt = options.attempt ?? 1;
  let place: RemotePlace | undefined;
  try {
    place = await placeFor(target, options.mux, task.repoName);
    await pushOnce(place, task, options.localRepo, options.base);
  } catch (error) {
    if (error instanceof RemoteError && error.unreachable)
      return { kind: 'unreachable', reason: error.message };
    // git push failed: for want of a connection, or refused there?
    const probe = place === undefined ? undefined : await reachable(place);
    if (probe !== undefined && !probe.ok)
      return { kind: 'unreachable', reason: `target ${target.name} unreachable: ${probe.reason}` };
    throw error;
  }
  try {
    const { runId } = await startTask(place, task, {
      prompt: options.prompt,
      base: options.base,
      attempt,
      ...(options.agent !== undefined ? { agent: options.agent } : {}),
    });
    return { kind: 'started', attempt: attemptOf(place, task, attempt, runId) };
  } catch (error) {
    // The claim may be made and the job may run there: never start it again, follow it instead.
    if (!(error instanceof RemoteError) || !error.unreachable) throw error;
    return { kind: 'started', attempt: attemptOf(place, task, attempt), uncertain: error.message };
  }
}

/** The attempt again from its record (--resume after the local run died); starts nothing, reads nothing. */
export function attachRemoteAttempt(
  target: Target,
  record: RemoteAttemptRecord,
  mux?: string,
): RemoteAttempt {
  if (record.target !== target.name)
    throw new CcglmError(
      `attempt ${record.attempt} of ${record.jobId} ran on target ${record.target}, not ${target.name}`,
    );
  const { jobId, repoName, branch } = record;
  return {
    place: { target, root: record.root, ...(mux !== undefined ? { mux } : {}) },
    task: { jobId, repoName, branch },
    record,
  };
}

const logDir = (attempt: RemoteAttempt) => path.posix.join(attempt.place.root, 'logs');
const SPLIT = '--ccglm-job-status--';

/**
 * One look at the job there, in one call: its outcome file (when there is one) and `ccglm job status`.
 * Throws when the target answers with something else than a job status (ccglm missing there…).
 */
export async function readRemote(
  attempt: RemoteAttempt,
  timeoutMs = 60_000,
  /** false: the outcome file only (no ccglm started there); no outcome yet reads as running. */
  full = true,
): Promise<Reach<JobReading>> {
  const { jobId } = attempt.task;
  const { target } = attempt.place;
  const outcomeFile = path.posix.join(logDir(attempt), `${jobId}.outcome`);
  const status = jobStatusLine(attempt.place, attempt.task);
  const { runId, attempt: number } = attempt.record;
  const claim = claimDir(attempt.place, attempt.task, number);
  const outcome =
    runId !== undefined
      ? `cat ${remoteLine([outcomeFile])}`
      : // The start's answer was lost: only an outcome written after this attempt's claim is its own.
        `find ${remoteLine([outcomeFile, '-newer', claim, '-exec', 'cat', '{}', '+'])}`;
  const line = `${outcome} 2>/dev/null; echo; echo ${SPLIT}; ${full ? status : 'true'}`;
  const reply = await call(attempt.place, line, timeoutMs);
  if (!reply.ok) return reply;
  const result = reply.value;
  const [outcomeText = '', statusText = ''] = result.stdout.split(`\n${SPLIT}\n`);
  if (result.code !== 0)
    throw new CcglmError(
      `target ${target.name}: job status of ${jobId} failed (exit ${result.code}): ${lastLine(result.stderr) || lastLine(statusText)}`,
    );
  const values = parseKeyValues(outcomeText);
  if (values.ok && Object.keys(values.values).length > 0) {
    const ended = parseOutcome(values.values);
    if (runId === undefined || ended.run_id === runId)
      return { ok: true, value: { kind: 'ended', outcome: ended } };
    return {
      ok: true,
      value: {
        kind: 'missing',
        why: `the outcome of ${jobId} there is of another run (${ended.run_id}), not ${runId}`,
      },
    };
  }
  if (!full) return { ok: true, value: { kind: 'running' } };
  const job = readJobStatus(attempt.place, attempt.task, statusText);
  if (job === undefined || job.state === 'missing')
    return {
      ok: true,
      value: { kind: 'missing', why: `no job ${jobId} on target ${target.name}` },
    };
  if (job.reason_code === 'process_exited_without_outcome')
    return {
      ok: true,
      value: {
        kind: 'gone',
        why: `the job host of ${jobId} on target ${target.name} died without an outcome`,
      },
    };
  return { ok: true, value: { kind: 'running' } };
}

const FULL_EVERY = 5;

export interface WaitRemoteOptions extends FollowOptions {
  /** One call's limit (a hung connection counts as lost); default 60 s. */
  callTimeoutMs?: number;
}

/** Follows the attempt's job to its end over lost connections (see followJob). */
export function waitRemote(
  attempt: RemoteAttempt,
  options: WaitRemoteOptions = {},
): Promise<RemoteEnd> {
  // Most looks read only the outcome file; every FULL_EVERY-th also asks `ccglm job status` there
  // (a Node start per look and job: 20 jobs at a 2 s poll kept a 2-core target busy) whether the
  // job is there and its host alive.
  // After a look that found the job missing or its host dead, every look is full until it is not
  // (followJob counts those in a row).
  let looks = 0;
  let suspect = false;
  return followJob(async () => {
    const full = suspect || looks++ % FULL_EVERY === 0;
    const reading = await readRemote(attempt, options.callTimeoutMs, full);
    if (reading.ok && full)
      suspect = reading.value.kind === 'missing' || reading.value.kind === 'gone';
    return reading;
  }, options);
}

/** Runs `work`; when it fails and the target does not answer, retries it with backoff. */
async function retried<T>(
  attempt: RemoteAttempt,
  work: () => Promise<T>,
  options: RetryOptions,
): Promise<Reach<T> | { ok: 'aborted' }> {
  return withReconnect(async () => {
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      const probe = await reachable(attempt.place);
      if (probe.ok) throw error;
      return { ok: false, reason: (error as Error).message };
    }
  }, options);
}

export type CollectRemoteResult = Reconnected<{ kind: 'collected'; tip: string }>;

/**
 * Commits what the attempt left there, fetches its branch to `fetchedRef` and only then removes the
 * remote worktree (see collect); a lost connection is retried with backoff (each step may run again).
 */
export async function collectRemote(
  attempt: RemoteAttempt,
  localRepo: string,
  commit: { message: string; name: string; email: string },
  options: RetryOptions = {},
): Promise<CollectRemoteResult> {
  const result = await retried(
    attempt,
    () => collect(attempt.place, attempt.task, localRepo, commit),
    options,
  );
  return settled(result, (tip) => ({ kind: 'collected', tip }));
}

export type StopRemoteResult = Reconnected<{ kind: 'stopped'; message: string }>;

/**
 * The last `bytes` of the job's log there, without terminal escapes ('' when it cannot be read:
 * the target does not answer, or the log is gone). What the run reads a rate limit from.
 */
export async function remoteLogTail(attempt: RemoteAttempt, bytes = 64 * 1024): Promise<string> {
  const log = path.posix.join(logDir(attempt), `${attempt.task.jobId}.log`);
  const reply = await call(
    attempt.place,
    `tail -c ${bytes} ${remoteLine([log])} 2>/dev/null`,
  ).catch(() => undefined);
  return reply?.ok === true && reply.value.code === 0 ? stripAnsi(reply.value.stdout) : '';
}

/**
 * Stops the attempt's job there (`ccglm job stop`: its outcome is written, `killed`); a job that is
 * not running is left as it is (`message` says so).
 */
export async function stopRemote(
  attempt: RemoteAttempt,
  options: RetryOptions = {},
): Promise<StopRemoteResult> {
  const line = remoteLine([
    attempt.place.target.ccglm,
    'job',
    'stop',
    '--log-dir',
    logDir(attempt),
    '--beads',
    attempt.task.jobId,
  ]);
  const result = await withReconnect(async () => {
    const reply = await call(attempt.place, line);
    if (!reply.ok) return reply;
    const stopped = reply.value;
    const said = lastLine(stopped.stdout) || lastLine(stopped.stderr);
    if (stopped.code !== 0)
      throw new CcglmError(
        `target ${attempt.place.target.name} could not stop ${attempt.task.jobId}: ${said}`,
      );
    return { ok: true, value: said };
  }, options);
  return settled(result, (message) => ({ kind: 'stopped', message }));
}
