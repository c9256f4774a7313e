/**
 * An agent that hit its provider's rate limit: the run slows down (the scheduler runs fewer at once
 * until the reset the agent's output names) and the task waits for the reset and starts again, up
 * to MAX_RATE_LIMIT_RETRIES times; after that it fails as any agent would.
 */
import { detectRateLimit } from '../agent/index.js';
import type { JobOutcome } from '../jobs/index.js';
import type { Attempt } from './attempt.js';
import type { RunCore } from './run-core.js';

/** How often one task is started again after its agent hit a rate limit. */
export const MAX_RATE_LIMIT_RETRIES = 3;

/**
 * Reads a failed job's output for a rate limit: throttles the run when there is one, and requeues
 * the task while it has retries left (`requeued`: the attempt is dealt with). The limit's line, if any.
 */
export async function onRateLimit(
  core: RunCore,
  attempt: Attempt,
  output: string,
  outcome: JobOutcome,
): Promise<{ line?: string; requeued: boolean }> {
  const rate = detectRateLimit(output);
  if (rate === null) return { requeued: false };
  // A job that succeeded anyway: its log names the limit, nothing else changes.
  if (outcome.exit_code === 0) return { line: rate.line, requeued: false };
  const until = rate.resetAt?.getTime() ?? core.now() + (rate.retryAfterSeconds ?? 60) * 1000;
  const { scheduler } = core;
  // One fewer than run at once now (the attempt that hit the limit has just left the record).
  const concurrency = Math.max(
    1,
    Math.min(scheduler.currentConcurrency, core.running().length + 1) - 1,
  );
  scheduler.throttle({ concurrency, until });
  core.options.emit({ type: 'run.throttle', t: core.now(), concurrency, until, reason: rate.line });
  const retries = core.rateRetries.get(attempt.taskId) ?? 0;
  if (core.interrupted !== undefined || retries >= MAX_RATE_LIMIT_RETRIES)
    return { line: rate.line, requeued: false };
  await requeue(core, attempt, rate.line, retries + 1);
  return { line: rate.line, requeued: true };
}

/** The task waits for the reset (the scheduler is throttled) and starts again. */
async function requeue(core: RunCore, attempt: Attempt, line: string, retry: number) {
  core.rateRetries.set(attempt.taskId, retry);
  core.markEnded(attempt.taskId);
  core.saveState();
  core.scheduler.requeue(attempt.taskId);
  const resumeAt = new Date(Math.max(core.scheduler.resumeAt, core.now())).toISOString();
  await core.writer.write({
    taskId: attempt.taskId,
    status: 'Not Started',
    log: [
      `job ${attempt.jobId} was rate limited: ${line}`,
      `waiting until ${resumeAt}, then starting again (rate-limit retry ${retry} of ${MAX_RATE_LIMIT_RETRIES})`,
      `worktree kept: ${attempt.ws.worktree}`,
    ].join('\n'),
  });
  core.emitRestart(attempt, `rate limited: ${line}`, retry + 1);
  core.wake();
}
