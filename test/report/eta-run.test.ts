import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the benchmarks, without types
import { makeDag } from '../../bench/gen-plan.mjs';
import { Progress } from '../../src/report/progress.js';
import type { RunEvent } from '../../src/run/events.js';
import { makeSandbox, plan, planTask, runArgs, sandboxEnv, type Sandbox } from '../run/helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

/** The run's NDJSON events, once it has ended (the fake agents take a second each). */
function runEvents(sb: Sandbox): Promise<RunEvent[]> {
  const child = spawn(process.execPath, runArgs(sb, ['--concurrency', 'unlimited']), {
    env: sandboxEnv(sb, { FAKE_SLEEP_MS: '1000' }),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) =>
    child.on('exit', () =>
      resolve(
        out
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as RunEvent),
      ),
    ),
  );
}

/** The ETA the live view had when wave `wave` (0 first) had ended, and the time that was actually left. */
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

describe('the ETA of a run', () => {
  it('on the 100-task benchmark DAG (1 s agents, unlimited concurrency): within 30 % of the time left once two waves ended', async () => {
    const dag = makeDag(100) as { id: string; deps: string[] }[];
    sandbox = makeSandbox(plan(dag.map((task) => planTask(task.id, task.deps))));
    const events = await runEvents(sandbox);
    expect(events.filter((e) => e.type === 'task.end' && e.status === 'Completed')).toHaveLength(
      100,
    );
    const first = etaAfterWave(events, 0);
    const second = etaAfterWave(events, 1);
    const off = ({ eta, actual }: { eta: number; actual: number }) =>
      Math.abs(eta - actual) / actual;
    // After the first wave the ETA is known but pessimistic: that wave also paid for the run's start.
    expect(first.eta).toBeGreaterThan(0);
    expect(
      off(second),
      `after wave 2: ETA ${second.eta} ms, actual ${second.actual} ms; after wave 1: ETA ${first.eta} ms, actual ${first.actual} ms`,
    ).toBeLessThanOrEqual(0.3);
  }, 180_000);
});
