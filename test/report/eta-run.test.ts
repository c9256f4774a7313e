import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/report/progress.js';
import type { RunEvent } from '../../src/run/events.js';

/**
 * The ETA on recorded runs of the 100-task benchmark DAG (bench/gen-plan.mjs: depth 8, 1 s fake
 * agents — the tests' Node agent or bench/agent.sh —, unlimited concurrency, the default strategy;
 * events kept by a real `ccglm run --json`, times from its start, `BENCH_EVENTS=DIR node
 * bench/run.mjs` records more). Recorded, so the check does not depend on this machine's load;
 * bench/run.mjs measures the same on live runs.
 */
const dir = new URL('./fixtures/eta/', import.meta.url);
const recordings = readdirSync(dir).filter((name) => name.endsWith('.events.jsonl'));

function eventsOf(name: string): RunEvent[] {
  return readFileSync(new URL(name, dir), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RunEvent);
}

/** The ETA the live view had when wave `wave` (0 first) had ended, and the time that was left. */
function etaAfterWave(events: RunEvent[], wave: number): { eta: number; actual: number } {
  const start = events[0];
  if (start?.type !== 'run.start') throw new Error('no run.start');
  const ids = new Set(start.waves[wave]);
  let cut = -1;
  events.forEach((e, i) => {
    if (e.type === 'task.end' && ids.has(e.id)) cut = i;
  });
  const progress = new Progress();
  for (const event of events.slice(0, cut + 1)) progress.onEvent(event);
  const at = (events[cut] as RunEvent).t;
  const lastEnd = events.filter((e) => e.type === 'task.end').at(-1) as RunEvent;
  return { eta: progress.remainingMs(at) as number, actual: lastEnd.t - at };
}

describe('the ETA of a run of the 100-task benchmark DAG (recorded)', () => {
  it('has recordings to check', () => {
    expect(recordings.length).toBeGreaterThanOrEqual(2);
  });
  for (const name of recordings)
    it(`${name}: within 20 % of the time left once the first wave ended, and the second`, () => {
      const events = eventsOf(name);
      expect(events.filter((e) => e.type === 'task.end' && e.status === 'Completed')).toHaveLength(
        100,
      );
      for (const wave of [0, 1]) {
        const { eta, actual } = etaAfterWave(events, wave);
        expect(
          Math.abs(eta - actual) / actual,
          `after wave ${wave + 1}: ETA ${eta} ms, actual ${actual} ms`,
        ).toBeLessThanOrEqual(0.2);
      }
    });
});
