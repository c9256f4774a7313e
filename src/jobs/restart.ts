import { CcglmError } from '../errors.js';
import { verifyContract } from './contract.js';
import { metaJson } from './meta-json.js';
import { startJob, type JobHost, type StartJobResult } from './start.js';
import { requireJob, stopJob } from './stop.js';

export interface RestartJobOptions {
  /** Run the new attempt in a PTY (default: as before). */
  pty?: boolean;
  /** Refuse when model, base_url or timeout_ms of the environment differ from the stored contract. */
  preserveContract?: boolean;
  /** The environment the relaunch inherits (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Why (recorded on the stopped attempt). */
  reason?: string;
  graceMs?: number;
  /** Host the new attempt here (a run's shared host) instead of a new host process. */
  host?: JobHost;
}

/**
 * Stops the live attempt (if any), rotates its log and outcome, and relaunches the same command in
 * the same worktree with retries+1. Every path is absolute, so it works from any folder.
 */
export async function restartJob(
  logDir: string,
  id: string,
  options: RestartJobOptions = {},
): Promise<StartJobResult> {
  const record = requireJob(logDir, id);
  const meta = record.meta;
  if (meta === undefined) throw new CcglmError(`cannot restart ${id}: ${id}.meta is missing`);
  // Checked before the live attempt is stopped: a restart that cannot relaunch stops nothing.
  const unreadable = (error: Error) =>
    new CcglmError(`cannot restart ${id}: ${id}.meta: ${error.message}`);
  // A job the shell runner started has no command= line: it ran the headless wrapper, so the
  // relaunch runs `ccglm headless --prompt-file F` (startJob's default).
  const command = metaJson(meta, 'command');
  if (command instanceof Error) throw unreadable(command);
  const jobEnv = metaJson(meta, 'job_env') ?? {};
  if (jobEnv instanceof Error) throw unreadable(jobEnv);
  const headless = metaJson(meta, 'headless');
  if (headless instanceof Error) throw unreadable(headless);
  const usePty = options.pty ?? meta['use_pty'] === 'true';
  const env = options.env ?? process.env;
  if (options.preserveContract === true) {
    const check = verifyContract(logDir, id, env, usePty);
    if (!check.ok)
      throw new CcglmError(`ERROR: Contract verification failed (${check.mismatches.join('; ')})`);
  }
  if (record.agentAlive)
    await stopJob(logDir, id, {
      reason: options.reason ?? 'restart',
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    });
  return startJob({
    id,
    logDir,
    promptFile: meta['prompt_file'] ?? '',
    ...(meta['repo'] ? { repo: meta['repo'] } : {}),
    ...(meta['worktree'] ? { worktree: meta['worktree'] } : {}),
    pty: usePty,
    ...(command !== undefined ? { command } : {}),
    env: jobEnv,
    ...(headless !== undefined ? { headless } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    retries: (Number(meta['retries'] ?? 0) || 0) + 1,
  });
}
