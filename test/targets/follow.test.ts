import { describe, expect, test } from 'vitest';
import type { JobOutcome } from '../../src/jobs/store.js';
import {
  backoffDelay,
  followJob,
  withReconnect,
  type Clock,
  type JobReading,
  type Reach,
} from '../../src/targets/follow.js';

/** A clock whose sleeps only move its time forward, and that remembers them. */
function fakeClock(): Clock & { sleeps: number[]; t: number } {
  const clock = {
    t: 0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

const outcome: JobOutcome = {
  beads: 'p--T1',
  run_id: 'p--T1-1',
  exit_code: 0,
  state: 'success',
  completed_at: '2026-01-01T00:00:00Z',
  duration_sec: 3,
  retries: 0,
  extra: {},
};
const down: Reach<JobReading> = { ok: false, reason: 'Connection refused' };
const up = (value: JobReading): Reach<JobReading> => ({ ok: true, value });

/** A read that answers each of `script` in turn, then the last one forever. */
function scripted(script: Reach<JobReading>[]) {
  let calls = 0;
  const read = () =>
    Promise.resolve(script[Math.min(calls++, script.length - 1)] as Reach<JobReading>);
  return Object.assign(read, { calls: () => calls });
}

const backoff = { firstMs: 1000, maxMs: 8000, budgetMs: 60_000 };

describe('following a remote job through lost connections (injected clock)', () => {
  test('the delay doubles from firstMs and stops at maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 60].map((n) => backoffDelay(backoff, n))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000, 8000,
    ]);
  });

  test('a lost connection is retried with backoff, then the job is followed to its end', async () => {
    const clock = fakeClock();
    const retries: number[] = [];
    const read = scripted([
      down,
      down,
      down,
      up({ kind: 'running' }),
      down,
      up({ kind: 'ended', outcome }),
    ]);
    const end = await followJob(read, {
      clock,
      backoff,
      pollMs: 500,
      onRetry: ({ delayMs }) => retries.push(delayMs),
    });
    expect(end).toEqual({ kind: 'ended', outcome });
    // Three failures (1, 2, 4 s), a poll, then one failure: the backoff starts again from 1 s.
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 500, 1000]);
    expect(retries).toEqual([1000, 2000, 4000, 1000]);
    expect(read.calls()).toBe(6);
  });

  test('a target unreachable past the budget ends the wait as unreachable, with the reason', async () => {
    const clock = fakeClock();
    const end = await followJob(scripted([up({ kind: 'running' }), down]), { clock, backoff });
    expect(end.kind).toBe('unreachable');
    expect(end.kind === 'unreachable' && end.reason).toMatch(
      /^unreachable for \d+ s after \d+ tries: Connection refused$/,
    );
    // It gave up before the budget was spent, and waited no more than maxMs at a time.
    const outage = clock.sleeps.slice(1);
    expect(outage.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(backoff.budgetMs);
    expect(outage.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThan(
      backoff.budgetMs - backoff.maxMs,
    );
    expect(Math.max(...outage)).toBe(backoff.maxMs);
  });

  test('withReconnect hands back the first answer and throws what the call throws', async () => {
    const clock = fakeClock();
    let n = 0;
    const answer = await withReconnect(
      () =>
        Promise.resolve(
          ++n < 3 ? { ok: false as const, reason: 'x' } : { ok: true as const, value: n },
        ),
      { clock, backoff },
    );
    expect(answer).toEqual({ ok: true, value: 3 });
    await expect(
      withReconnect(() => Promise.reject(new Error('refused there')), { clock }),
    ).rejects.toThrow('refused there');
  });

  test('a job missing past the grace is lost; one that shows up in time is followed', async () => {
    const missing = up({ kind: 'missing', why: 'no job p--T1 on target a' });
    const clock = fakeClock();
    expect(
      await followJob(scripted([missing]), { clock, pollMs: 1000, missingGraceMs: 5000 }),
    ).toEqual({
      kind: 'lost',
      reason: 'no job p--T1 on target a',
    });
    expect(clock.t).toBe(5000);
    const late = scripted([
      missing,
      missing,
      up({ kind: 'running' }),
      missing,
      up({ kind: 'ended', outcome }),
    ]);
    expect(
      await followJob(late, { clock: fakeClock(), pollMs: 1000, missingGraceMs: 2500 }),
    ).toEqual({
      kind: 'ended',
      outcome,
    });
  });

  test('a dead job host is lost only when seen twice in a row (its outcome may land in between)', async () => {
    const gone = up({ kind: 'gone', why: 'host died' });
    expect(
      await followJob(scripted([gone, up({ kind: 'ended', outcome })]), { clock: fakeClock() }),
    ).toEqual({
      kind: 'ended',
      outcome,
    });
    expect(await followJob(scripted([gone, gone]), { clock: fakeClock() })).toEqual({
      kind: 'lost',
      reason: 'host died',
    });
  });

  test('an abort ends the wait, during an outage too', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    let n = 0;
    const read = () => {
      if (++n === 3) controller.abort();
      return Promise.resolve(down);
    };
    expect(await followJob(read, { clock, backoff, signal: controller.signal })).toEqual({
      kind: 'aborted',
    });
    expect(n).toBe(3);
  });
});
