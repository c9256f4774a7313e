/**
 * Following a job on another machine through a connection that may drop: pure but for the calls it
 * is handed. Time comes from an injected clock, so the tests run minutes of backoff in microseconds.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { JobOutcome } from '../jobs/store.js';

/** Waiting after a lost connection: `firstMs`, doubling, at most `maxMs`; given up after `budgetMs`. */
export interface Backoff {
  firstMs: number;
  maxMs: number;
  /** How long a target may stay unreachable (from the first failed call) before it is given up. */
  budgetMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, budgetMs: 180_000 };

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` fires (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    delay(ms, undefined, signal !== undefined ? { signal } : {}).catch(() => undefined),
};

/** The wait before retry number `failures` (0 for the first retry). */
export function backoffDelay(backoff: Backoff, failures: number): number {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(failures, 30));
}

/** One call over the transport: its value, or why the target could not be reached. */
export type Reach<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface RetryOptions {
  signal?: AbortSignal;
  clock?: Clock;
  backoff?: Backoff;
  /** Told before each wait after a failed call (for the run's log: "reconnecting in 4 s"). */
  onRetry?: (info: { failures: number; delayMs: number; reason: string }) => void;
}

/**
 * Calls `call` until it reaches the target: after each failure it waits (backoff) and tries again,
 * until the budget is spent. Errors that `call` throws (the target answered, and said no) pass.
 */
export async function withReconnect<T>(
  call: () => Promise<Reach<T>>,
  options: RetryOptions = {},
): Promise<Reach<T> | { ok: 'aborted' }> {
  const clock = options.clock ?? realClock;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let firstFailure: number | undefined;
  for (let failures = 0; ; failures += 1) {
    if (options.signal?.aborted === true) return { ok: 'aborted' };
    const result = await call();
    if (result.ok) return result;
    firstFailure ??= clock.now();
    const delayMs = backoffDelay(backoff, failures);
    if (clock.now() - firstFailure + delayMs > backoff.budgetMs)
      return {
        ok: false,
        reason: `unreachable for ${Math.round((clock.now() - firstFailure) / 1000)} s after ${failures + 1} tries: ${result.reason}`,
      };
    options.onRetry?.({ failures: failures + 1, delayMs, reason: result.reason });
    await clock.sleep(delayMs, options.signal);
  }
}

/** What one look at the job there found. */
export type JobReading =
  | { kind: 'running' }
  | { kind: 'ended'; outcome: JobOutcome }
  /** No job of this attempt there (not started yet, its start cut off, or its files removed). */
  | { kind: 'missing'; why: string }
  /** Its host there died before writing the outcome: none will come. */
  | { kind: 'gone'; why: string };

/**
 * What a call that reconnects ends with: its own result, or the target unreachable past the budget
 * (the run marks the task Blocked with `reason`), or the caller's abort.
 */
export type Reconnected<T> = T | { kind: 'unreachable'; reason: string } | { kind: 'aborted' };

/** withReconnect's answer as a Reconnected result. */
export function settled<T, R>(
  result: Reach<T> | { ok: 'aborted' },
  done: (value: T) => R,
): Reconnected<R> {
  if (result.ok === 'aborted') return { kind: 'aborted' };
  return result.ok ? done(result.value) : { kind: 'unreachable', reason: result.reason };
}

export type RemoteEnd = Reconnected<
  | { kind: 'ended'; outcome: JobOutcome }
  /** No outcome will come: the job is not there, or its host died there. */
  | { kind: 'lost'; reason: string }
>;

export interface FollowOptions extends RetryOptions {
  /** Between two looks at a job that runs (default 2000 ms). */
  pollMs?: number;
  /** How long a job may stay missing before it is lost (default 60 s: a start still under way). */
  missingGraceMs?: number;
}

/**
 * Looks at the job every `pollMs` until it ends; a lost connection is retried with backoff (the job
 * runs on meanwhile), a target unreachable past the budget ends the wait as `unreachable`.
 */
export async function followJob(
  read: () => Promise<Reach<JobReading>>,
  options: FollowOptions = {},
): Promise<RemoteEnd> {
  const clock = options.clock ?? realClock;
  const pollMs = options.pollMs ?? 2000;
  const grace = options.missingGraceMs ?? 60_000;
  let missingSince: number | undefined;
  let gone = 0;
  for (;;) {
    const result = await withReconnect(read, options);
    if (result.ok !== true) return settled(result, () => ({ kind: 'aborted' }));
    const reading = result.value;
    if (reading.kind === 'ended') return { kind: 'ended', outcome: reading.outcome };
    if (reading.kind === 'missing') {
      missingSince ??= clock.now();
      if (clock.now() - missingSince >= grace) return { kind: 'lost', reason: reading.why };
    } else missingSince = undefined;
    // Seen twice: an outcome written between the two reads of one look is not taken for a death.
    gone = reading.kind === 'gone' ? gone + 1 : 0;
    if (gone >= 2 && reading.kind === 'gone') return { kind: 'lost', reason: reading.why };
    if (options.signal?.aborted === true) return { kind: 'aborted' };
    await clock.sleep(pollMs, options.signal);
  }
}
