/**
 * One task on a target, step by step, every step a git or ccglm command: the base commit goes there
 * by `git push` over the target's transport to a ref of ccglm's in a clone under `workdir`; the task
 * runs there as an ordinary detached `ccglm job` in a worktree of that clone; its work is committed
 * there and comes back by `git fetch` to a local ref, to be merged as any task's branch. The job is
 * detached on the target: a lost connection loses nothing, the next call reads the same job.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { CcglmError, ExitCode } from '../errors.js';
import { shellQuote } from '../run/summary.js';
import type { Target } from './config.js';
import {
  inSession,
  lastLine,
  openSshOptions,
  remoteLine,
  runOnTarget,
  SSH_FAILED,
  type RemoteResult,
} from './ssh.js';

/** Where a target keeps ccglm's things: `root` is `workdir`, made absolute there. */
export interface RemotePlace {
  target: Target;
  root: string;
  /** The folder of control sockets when calls share one connection (see ssh.ts muxFolder). */
  mux?: string;
}

export interface RemoteTask {
  /** The job id there (`<plan>--<task>`, as the local job's). */
  jobId: string;
  /** The repository's name under `<root>/repos/`. */
  repoName: string;
  /** The task's branch there and in the local repository's fetched ref. */
  branch: string;
}

const step = async (place: RemotePlace, what: string, line: string, input?: string) => {
  const result = await runOnTarget(place.target, line, {
    ...(input !== undefined ? { input } : {}),
    ...(place.mux !== undefined ? { mux: place.mux } : {}),
  });
  if (result.code !== 0) throw remoteError(place.target, what, result);
  return result.stdout.trim();
};

const repoQueues = new Map<string, LimitFunction>();

/**
 * Worktree work on one clone there, one at a time (as this machine's worktree queue): git reads
 * every worktree's admin folder and fails on one being added or removed at that moment.
 */
function inRepo<T>(place: RemotePlace, task: RemoteTask, work: () => Promise<T>): Promise<T> {
  const key = [place.target.name, place.root, task.repoName].join('\0');
  let queue = repoQueues.get(key);
  if (queue === undefined) repoQueues.set(key, (queue = pLimit(1)));
  return queue(work);
}

/** A step that failed there; `unreachable` when the transport failed (exit 255), not the command. */
export class RemoteError extends CcglmError {
  readonly unreachable: boolean;
  constructor(message: string, unreachable: boolean) {
    super(message);
    this.name = 'RemoteError';
    this.unreachable = unreachable;
  }
}

function remoteError(target: Target, what: string, result: RemoteResult): RemoteError {
  const why = lastLine(result.stderr) || lastLine(result.stdout) || `exit ${result.code}`;
  return result.code === SSH_FAILED
    ? new RemoteError(`target ${target.name} unreachable while it ${what}: ${why}`, true)
    : new RemoteError(`target ${target.name} could not ${what}: ${why}`, false);
}

/**
 * Makes `workdir` there (with repos/, worktrees/, logs/, prompts/, claims/) and returns its
 * absolute path.
 */
export async function openPlace(
  target: Target,
  mux?: string,
  /** Repositories whose clones there are made now when missing (`git init`: a push fills them). */
  repoNames: readonly string[] = [],
): Promise<RemotePlace> {
  const dir = remoteLine([target.workdir]);
  const clones = repoNames.map((name) => {
    const repo = remoteLine([`repos/${name}`]);
    return ` && { test -d ${repo}/.git || git init -q ${repo}; }`;
  });
  const line = `mkdir -p ${dir} && cd ${dir} && mkdir -p repos worktrees logs prompts claims${clones.join('')} && pwd -P`;
  const muxed = mux !== undefined ? { mux } : {};
  const root = await step({ target, root: '', ...muxed }, `prepare ${target.workdir}`, line);
  if (!root.startsWith('/'))
    throw new CcglmError(
      `target ${target.name}: ${target.workdir} is not a folder there (${root})`,
    );
  return { target, root, ...muxed };
}

const repoDir = (place: RemotePlace, task: RemoteTask) =>
  path.posix.join(place.root, 'repos', task.repoName);
const worktreeDir = (place: RemotePlace, task: RemoteTask) =>
  path.posix.join(place.root, 'worktrees', task.jobId);
/** A base commit there: one ref per commit, so the tasks that start from it share one push. */
const baseRef = (commit: string) => `refs/ccglm/base/${commit}`;
/** The local ref a target's task branch is fetched to. */
export const fetchedRef = (target: Target, task: RemoteTask) =>
  `refs/ccglm/targets/${target.name}/${task.branch}`;

/** git's environment for talking to the target: its transport (and shared connection), no prompts. */
export function gitTransportEnv(place: RemotePlace): Record<string, string> {
  const options = openSshOptions(place.target, place.mux);
  const words = [...place.target.transport, ...options];
  return {
    GIT_SSH_COMMAND: words.map(shellQuote).join(' '),
    ...(options.length > 0 ? {} : { GIT_SSH_VARIANT: 'simple' }),
  };
}

const url = (place: RemotePlace, task: RemoteTask) =>
  `ssh://${place.target.ssh}${repoDir(place, task)}`;

function localGit(cwd: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'git',
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) =>
        error === null
          ? resolve(stdout.trim())
          : reject(
              new CcglmError(
                `git ${args[0]} (${args.slice(1, 3).join(' ')}) failed: ${lastLine(stderr) || error.message}`,
                ExitCode.failure,
              ),
            ),
    ),
  );
}

/** Pushes `commit` to the target's clone of the repository (openPlace made it) as the task's base. */
export async function pushBase(
  place: RemotePlace,
  task: RemoteTask,
  localRepo: string,
  commit: string,
): Promise<void> {
  await inSession(place.target, place.mux, () =>
    localGit(
      localRepo,
      ['push', '-q', '--force', url(place, task), `${commit}:${baseRef(commit)}`],
      gitTransportEnv(place),
    ),
  );
}

export interface StartOptions {
  prompt: string;
  /** The task's base commit (pushed there by pushBase). */
  base: string;
  /** The run's attempt number of this task (default 1): each is started there at most once. */
  attempt?: number;
  /** The agent's argv there; default: ccglm's default (`ccglm headless --prompt-file F`). */
  agent?: string[];
}

/** The claim of one attempt there: a folder made by `mkdir` (atomic: only one caller makes it). */
export const claimDir = (place: RemotePlace, task: RemoteTask, attempt: number) =>
  path.posix.join(place.root, 'claims', `${task.jobId}.${attempt}`);

/**
 * Claims the attempt there (`mkdir`, refused when made before: an agent is never started twice for
 * one attempt, even when a caller retries after a lost connection), makes the task's worktree on its
 * base (a fresh branch), writes the prompt there from stdin (never in an argument) and starts the
 * detached job. Returns the job's run id there (its meta's `run_id`).
 */
export async function startTask(
  place: RemotePlace,
  task: RemoteTask,
  options: StartOptions,
): Promise<{ runId: string }> {
  const worktree = worktreeDir(place, task);
  const prompt = path.posix.join(place.root, 'prompts', `${task.jobId}.txt`);
  const attempt = options.attempt ?? 1;
  const started = `attempt ${attempt} of ${task.jobId} was started there before`;
  // The claim and the worktree (in the clone's queue), then the prompt (from stdin, never an
  // argument) and the job.
  await inRepo(place, task, () =>
    step(
      place,
      `make the worktree of ${task.jobId}`,
      [
        `{ mkdir ${remoteLine([claimDir(place, task, attempt)])} 2>/dev/null || { echo ${remoteLine([started])} >&2; exit 3; }; }`,
        remoteLine(['git', '-C', repoDir(place, task), 'worktree', 'prune']),
        remoteLine([
          'git',
          '-C',
          repoDir(place, task),
          'worktree',
          'add',
          '-q',
          '-B',
          task.branch,
          worktree,
          baseRef(options.base),
        ]),
      ].join(' && '),
    ),
  );
  const out = await step(
    place,
    `start ${task.jobId}`,
    [
      remoteLine(['sh', '-c', 'cat > "$1"', 'sh', prompt]),
      `${remoteLine([
        place.target.ccglm,
        'job',
        'start',
        '--log-dir',
        path.posix.join(place.root, 'logs'),
        '--beads',
        task.jobId,
        '--prompt-file',
        prompt,
        '--worktree',
        worktree,
        '--repo',
        task.repoName,
        ...(options.agent !== undefined ? ['--', ...options.agent] : []),
      ])} </dev/null`,
      `cat ${remoteLine([path.posix.join(place.root, 'logs', `${task.jobId}.meta`)])}`,
    ].join(' && '),
    options.prompt,
  );
  const runId = /^run_id=(.*)$/m.exec(out)?.[1];
  if (runId === undefined)
    throw new RemoteError(
      `target ${place.target.name}: ${task.jobId} started without a run id`,
      false,
    );
  return { runId };
}

export interface RemoteJobState {
  state: string;
  outcome: string;
  reason_code: string;
}

/** The remote line of `ccglm job status --json` for the task's job. */
export const jobStatusLine = (place: RemotePlace, task: RemoteTask) =>
  remoteLine([
    place.target.ccglm,
    'job',
    'status',
    '--log-dir',
    path.posix.join(place.root, 'logs'),
    '--beads',
    task.jobId,
    '--json',
  ]);

/** The task's job in what `jobStatusLine` printed, or undefined when it is not there; throws on non-JSON. */
export function readJobStatus(
  place: RemotePlace,
  task: RemoteTask,
  text: string,
): RemoteJobState | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CcglmError(`target ${place.target.name}: job status was not JSON: ${lastLine(text)}`);
  }
  const jobs = (data as { jobs?: unknown }).jobs;
  const job = Array.isArray(jobs)
    ? (jobs as unknown[]).find(
        (entry) =>
          typeof entry === 'object' &&
          entry !== null &&
          (entry as { beads?: unknown }).beads === task.jobId,
      )
    : undefined;
  if (job === undefined) return undefined;
  const { state, outcome, reason_code } = job as Record<string, unknown>;
  if (typeof state !== 'string') return undefined;
  const str = (value: unknown) => (typeof value === 'string' ? value : '');
  return { state, outcome: str(outcome), reason_code: str(reason_code) };
}

/** The job's state there (`running`, `exited_ok`, `exited_err`…), or undefined when it is unknown. */
export async function jobState(
  place: RemotePlace,
  task: RemoteTask,
): Promise<RemoteJobState | undefined> {
  const text = await step(place, `read the state of ${task.jobId}`, jobStatusLine(place, task));
  return readJobStatus(place, task, text);
}

/**
 * Commits what the task left uncommitted there (as `author`, the local run's identity), fetches the
 * branch to `fetchedRef` locally and returns its commit. The remote worktree is removed only after
 * the fetch succeeded, so nothing the task did is lost.
 */
export async function collect(
  place: RemotePlace,
  task: RemoteTask,
  localRepo: string,
  commit: { message: string; name: string; email: string },
): Promise<string> {
  const worktree = worktreeDir(place, task);
  const g = (...args: string[]) =>
    remoteLine([
      'git',
      '-c',
      `user.name=${commit.name}`,
      '-c',
      `user.email=${commit.email}`,
      '-C',
      worktree,
      ...args,
    ]);
  await step(
    place,
    `commit the work of ${task.jobId}`,
    `${g('add', '-A')} && { ${g('diff', '--cached', '--quiet')} || ${g('commit', '-q', '-F', '-')}; }`,
    commit.message,
  );
  const ref = fetchedRef(place.target, task);
  await inSession(place.target, place.mux, () =>
    localGit(
      localRepo,
      ['fetch', '-q', url(place, task), `+refs/heads/${task.branch}:${ref}`],
      gitTransportEnv(place),
    ),
  );
  const tip = await localGit(localRepo, ['rev-parse', ref], {});
  await inRepo(place, task, () =>
    step(
      place,
      `remove the worktree of ${task.jobId}`,
      // Again after a lost connection: a worktree removed already is not an error. Its branch is
      // here now (fetched): it goes there too.
      `if test -e ${remoteLine([worktree])}; then ${remoteLine(['git', '-C', repoDir(place, task), 'worktree', 'remove', '--force', worktree])}; fi; ${remoteLine(['git', '-C', repoDir(place, task), 'branch', '-q', '-D', task.branch])} 2>/dev/null || true`,
    ),
  );
  return tip;
}
