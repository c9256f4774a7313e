import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CcglmError } from '../errors.js';
import { ccglmBin, packageRoot } from '../paths.js';
import { formatUtc, jobFiles } from './ids.js';
import { isProcessAlive } from './proc.js';
import {
  updateMeta,
  readMeta,
  readOutcome,
  rotateAttempt,
  writeOutcome,
  writeKeyValueFile,
  type JobOutcome,
} from './store.js';
import { waitFor } from './watch.js';
import { countMutations, headCommit } from './mutations.js';
import { writeContract } from './contract.js';
import type { HeadlessOptions } from '../agent/headless.js';

/** Where startJob hands a job to be hosted (default: a new host process per job). */
export interface JobHost {
  launch(logDir: string, id: string): void;
  /**
   * Calls `listener` when the host says the job's files changed (its agent runs, its outcome is
   * written), until the returned function is called; without it, waiters watch the log folder.
   */
  watch?(logDir: string, id: string, listener: () => void): () => void;
  /** True when the host process job `id` was handed to has died (it will never launch or end it). */
  lost?(logDir: string, id: string): boolean;
}

/** What a waiter for job `id` wakes on: the host's word when it tells of its jobs, else the log folder. */
export function hostWake(
  host: JobHost | undefined,
  logDir: string,
  id: string,
): { wake?: (listener: () => void) => () => void } {
  const watch = host?.watch?.bind(host);
  return watch === undefined ? {} : { wake: (listener) => watch(logDir, id, listener) };
}

export const JOB_VERSION = '3.4.0-ccglm';
// Always the built host (also under vitest, where this module runs from src/): the host must run
// without a TypeScript loader, detached from whoever started it.
export const hostScript = path.join(packageRoot, 'dist', 'jobs', 'host.js');

export interface StartJobOptions {
  /** The job id (`--beads`): only `[A-Za-z0-9._-]`. */
  id: string;
  logDir: string;
  /** The prompt file; must exist. Its absolute path reaches the agent as `$CCGLM_PROMPT_FILE`. */
  promptFile: string;
  /** A label for the repo (kept in meta). */
  repo?: string;
  /**
   * The real path of the plan whose run starts the job (meta `plan=`, kept across restarts):
   * `ccglm clean --logs PLAN` prunes only the jobs that name the plan.
   */
  plan?: string;
  /** The folder the agent runs in (default: the caller's cwd). */
  worktree?: string;
  /** Run the agent in a pseudo-terminal (node-pty) instead of pipes. */
  pty?: boolean;
  /** The agent argv; default `[node, ccglm, 'headless', '--prompt-file', F]`. */
  command?: string[];
  /** Extra environment for the agent, merged over this process's env. Must hold no secret: it is kept in meta for restarts. */
  env?: Record<string, string>;
  /** Retry count written to meta (restart passes the previous + 1). */
  retries?: number;
  /** How long to wait for the host to report the agent running (default 15 s). */
  timeoutMs?: number;
  /** Host the job in this (shared) host instead of a new host process (see SharedHost). */
  host?: JobHost;
  /**
   * The `ccglm headless` launch that `command` spells out: the host runs it in its own process and
   * starts the agent itself, on pipes or in the PTY (one process per job, no Node start-up). Without
   * `command` it is `{ promptFile }` (the default command's launch).
   */
  headless?: HeadlessOptions;
  /** Uncommitted changes already in the worktree (default: counted with git status). */
  mutationBaseline?: number;
  /** The commit the worktree is at, when the caller knows it (else git is asked). */
  startCommit?: string;
  /** Clock (ms) for started_at; default Date.now. */
  now?: () => number;
}

export type StartJobResult =
  | { ok: true; id: string; pid: number; runId: string }
  /** The agent could not be started (binary or worktree missing): the outcome is already written. */
  | { ok: false; id: string; runId: string; outcome: JobOutcome; message: string };

function lastLogLine(logFile: string): string {
  try {
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
    return (lines[lines.length - 1] ?? '').replace(/^\[ccglm job\] /, '');
  } catch {
    return '';
  }
}

function writeHostLostOutcome(
  logDir: string,
  id: string,
  runId: string,
  now: () => number,
): JobOutcome {
  fs.appendFileSync(
    jobFiles(logDir, id).log,
    '[ccglm job] cannot start agent: its host died before launching it\n',
  );
  const outcome: JobOutcome = {
    beads: id,
    run_id: runId,
    exit_code: 1,
    state: 'failed',
    completed_at: formatUtc(now()),
    duration_sec: 0,
    retries: 0,
    extra: { reason: 'agent_not_started' },
  };
  writeOutcome(logDir, id, outcome);
  return outcome;
}

const planOf = (plan: string | undefined) => (plan !== undefined ? { plan } : {});

/** Refuses to start over a live job; moves an earlier attempt's log/outcome aside (never truncates). */
async function prepareSlot(logDir: string, id: string): Promise<void> {
  const meta = readMeta(logDir, id);
  const pid = Number(meta?.['pid']);
  if (
    meta !== undefined &&
    meta['launch_state'] !== 'exited' &&
    isProcessAlive(pid, meta['pid_start_time'])
  ) {
    throw new CcglmError(`job ${id} already running (pid=${pid}); stop it first`);
  }
  // A host whose agent just ended is about to write the outcome: let it, so that outcome is rotated
  // with its attempt instead of landing on the new one.
  const hostPid = Number(meta?.['host_pid']);
  const hostStart = meta?.['host_start_time'];
  for (
    let i = 0;
    i < 100 && hostStart && isProcessAlive(hostPid, hostStart) && !readOutcome(logDir, id);
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  rotateAttempt(logDir, id);
  fs.rmSync(jobFiles(logDir, id).pid, { force: true });
}

/** The commit a job's worktree was at when it first started (absent outside git). */
function startCommitOf(kept: string | undefined, known: string | undefined, worktree?: string) {
  const commit = kept ?? known ?? headCommit(worktree ?? process.cwd());
  return commit !== undefined ? { start_commit: commit } : {};
}

/**
 * Starts a job: writes meta and contract, spawns the detached host (own session, stdio ignored,
 * unref'd) or hands the job to a shared one (`host`, which tells when its agent runs), and resolves
 * once the host reports the agent running, or with the failed outcome when the agent could not
 * start. The job outlives the caller.
 */
export async function startJob(options: StartJobOptions): Promise<StartJobResult> {
  const { id, logDir } = options;
  const files = jobFiles(logDir, id);
  const promptFile = path.resolve(options.promptFile);
  if (!fs.existsSync(promptFile))
    throw new CcglmError(`prompt file not found: ${options.promptFile}`);
  const worktree = options.worktree === undefined ? undefined : path.resolve(options.worktree);
  try {
    fs.mkdirSync(logDir, { recursive: true });
    fs.accessSync(logDir, fs.constants.W_OK);
  } catch {
    throw new CcglmError(`log dir is not writable: ${logDir}`);
  }
  const previous = readMeta(logDir, id);
  await prepareSlot(logDir, id);
  const now = options.now ?? Date.now;
  const runId = `${id}-${now().toString(36)}`;
  const command = options.command ?? [
    process.execPath,
    ccglmBin,
    'headless',
    '--prompt-file',
    promptFile,
  ];
  const headless = options.headless ?? (options.command === undefined ? { promptFile } : undefined);
  const usePty = options.pty === true;
  const jobEnv = { ...(options.env ?? {}), CCGLM_PROMPT_FILE: promptFile };
  // The contract first: meta is then written once, with where the agent's token comes from.
  const contract = writeContract(
    logDir,
    id,
    { ...process.env, ...jobEnv },
    usePty,
    new Date(now()),
  );
  writeKeyValueFile(files.meta, {
    beads: id,
    repo: options.repo ?? '',
    ...planOf(options.plan ?? (options.retries ? previous?.['plan'] : undefined)),
    worktree: worktree ?? process.cwd(),
    prompt_file: promptFile,
    started_at:
      options.retries && previous?.['started_at'] ? previous['started_at'] : formatUtc(now()),
    ...(options.retries ? { restarted_at: formatUtc(now()) } : {}),
    retries: String(options.retries ?? 0),
    use_pty: String(usePty),
    version: JOB_VERSION,
    launch_state: options.retries ? 'restarting' : 'starting',
    execution_mode: usePty ? 'pty' : 'nohup',
    run_id: runId,
    command: JSON.stringify(command),
    job_env: JSON.stringify(jobEnv),
    ...(headless !== undefined ? { headless: JSON.stringify(headless) } : {}),
    // Where "changed since the job started" counts from (kept across restarts, as started_at).
    ...startCommitOf(
      options.retries ? previous?.['start_commit'] : undefined,
      options.startCommit,
      worktree,
    ),
    // The baseline for "the worktree changed": a tree that was already dirty is not progress.
    last_mutation_count: String(
      options.mutationBaseline ?? countMutations(worktree ?? process.cwd()),
    ),
    // Operator decisions survive a relaunch.
    ...(previous?.['no_auto_restart'] ? { no_auto_restart: previous['no_auto_restart'] } : {}),
    ...(previous?.['override_set_at'] ? { override_set_at: previous['override_set_at'] } : {}),
    auth_source: contract.auth_source,
    auth_mode: contract.auth_mode,
  });
  if (options.host !== undefined) options.host.launch(logDir, id);
  else {
    const host = spawn(process.execPath, [hostScript, logDir, id], {
      detached: true,
      stdio: 'ignore',
      cwd: worktree !== undefined && fs.existsSync(worktree) ? worktree : logDir,
      env: { ...process.env, ...jobEnv },
    });
    host.unref();
  }
  // An in-host headless launch resolves auth before it spawns (`op read` may take up to 30 s).
  const inHostLaunch = headless !== undefined;
  const reported = await waitFor({
    dir: logDir,
    prefix: id,
    ...hostWake(options.host, logDir, id),
    pollMs: 250,
    timeoutMs: options.timeoutMs ?? (inHostLaunch ? 60_000 : 15_000),
    check: () => {
      const outcome = readOutcome(logDir, id);
      const meta = readMeta(logDir, id);
      // Ended before an agent ran (not startable, or the host itself failed): the outcome says why.
      if (
        outcome !== undefined &&
        (outcome.extra['reason'] === 'agent_not_started' || !meta?.['pid'])
      ) {
        return { outcome };
      }
      const running = meta?.['launch_state'] === 'running' || outcome !== undefined;
      if (running && meta?.['pid']) return { pid: Number(meta['pid']) };
      // Its host died before it launched the agent: nobody will launch it, or write its outcome.
      if (outcome === undefined && !meta?.['pid'] && options.host?.lost?.(logDir, id) === true)
        return { outcome: writeHostLostOutcome(logDir, id, runId, now) };
      return undefined;
    },
  });
  if (reported === undefined) {
    // Whoever launches it late must not: the caller is told the job did not start.
    updateMeta(logDir, id, { stop_requested_at: formatUtc(now()), stop_reason: 'start_timeout' });
    throw new CcglmError(
      `job ${id}: the host did not report the agent running in time; see ${files.log}`,
    );
  }
  if ('outcome' in reported) {
    const why = lastLogLine(files.log);
    return {
      ok: false,
      id,
      runId,
      outcome: reported.outcome,
      message: why || 'the agent could not start',
    };
  }
  return { ok: true, id, pid: reported.pid, runId };
}
