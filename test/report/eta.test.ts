import { describe, expect, it } from 'vitest';
import { estimateRemainingMs, formatDuration, median, type EtaTask } from '../../src/report/eta.js';
import { Progress } from '../../src/report/progress.js';
import type { RunEvent } from '../../src/run/events.js';

const task = (id: string, deps: string[], state: EtaTask['state'], extra: Partial<EtaTask> = {}) =>
  ({ id, deps, state, ...extra }) as EtaTask;

describe('estimateRemainingMs', () => {
  const chain = [
    task('A', [], 'done'),
    task('B', ['A'], 'running', { elapsedMs: 4000 }),
    task('C', ['B'], 'waiting'),
    task('D', ['A'], 'waiting'),
  ];

  it('the critical path of what is left: a running task counts what it has left', () => {
    const durations = new Map([
      ['A', 5000],
      ['B', 10_000],
      ['C', 3000],
      ['D', 1000],
    ]);
    // B: 6 s left, then C 3 s; D (1 s) runs beside them.
    expect(
      estimateRemainingMs(chain, { durations, concurrency: Infinity, strategy: 'eager' }),
    ).toBe(9000);
  });

  it('one at a time: the sum of what is left', () => {
    const durations = new Map([
      ['B', 10_000],
      ['C', 3000],
      ['D', 1000],
    ]);
    expect(estimateRemainingMs(chain, { durations, concurrency: 1, strategy: 'eager' })).toBe(
      10_000,
    );
  });

  it('tasks never seen take the median of those seen; nothing seen: unknown', () => {
    const tasks = [task('A', [], 'done'), task('B', ['A'], 'waiting'), task('C', ['B'], 'waiting')];
    expect(estimateRemainingMs(tasks, { durations: new Map([['A', 2000]]), concurrency: 3 })).toBe(
      4000,
    );
    expect(estimateRemainingMs(tasks, { durations: new Map(), concurrency: 3 })).toBeUndefined();
  });

  it('leaves out what a failed task blocks, and is 0 when nothing can run', () => {
    const tasks = [task('A', [], 'failed'), task('B', ['A'], 'waiting'), task('C', [], 'waiting')];
    const durations = new Map([['C', 1500]]);
    expect(estimateRemainingMs(tasks, { durations, concurrency: 3 })).toBe(1500);
    expect(
      estimateRemainingMs([task('A', [], 'failed'), task('B', ['A'], 'waiting')], {
        durations,
        concurrency: 3,
      }),
    ).toBe(0);
  });

  it('waves: a wave starts once the one before has ended', () => {
    const tasks = [
      task('A', [], 'waiting', { wave: 1 }),
      task('B', [], 'waiting', { wave: 1 }),
      task('C', ['A'], 'waiting', { wave: 2 }),
    ];
    const durations = new Map([
      ['A', 1000],
      ['B', 5000],
      ['C', 1000],
    ]);
    expect(estimateRemainingMs(tasks, { durations, concurrency: 3, strategy: 'waves' })).toBe(6000);
    expect(estimateRemainingMs(tasks, { durations, concurrency: 3, strategy: 'eager' })).toBe(5000);
  });

  it('median and durations', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(formatDuration(2500)).toBe('2.5s');
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
  });
});

describe('Progress', () => {
  const start: RunEvent = {
    type: 'run.start',
    t: 0,
    plan: 'p.md',
    tasks: ['T0', 'T1', 'T2', 'T3'],
    waves: [['T0', 'T1', 'T2'], ['T3']],
    strategy: 'eager',
    concurrency: 3,
    resume: false,
    edges: [{ from: 'T1', to: 'T3' }],
    pending: ['T1', 'T2', 'T3'],
  };

  it('counts only the tasks the run is to run, and estimates from the durations it saw', () => {
    const p = new Progress();
    for (const event of [
      start,
      { type: 'task.launch', t: 0, id: 'T1' },
      { type: 'task.launch', t: 0, id: 'T2' },
      { type: 'task.end', t: 4000, id: 'T2', status: 'Completed' },
    ] as RunEvent[])
      p.onEvent(event);
    expect(p.counts()).toEqual({
      done: 1,
      running: 1,
      waiting: 1,
      failed: 0,
      blocked: 0,
      total: 3,
    });
    // T1 has run 5 s of the 4 s T2 took: about done; then T3, 4 s.
    expect(p.remainingMs(5000)).toBe(4000);
    expect(p.line(5000)).toBe('1/3 done · 1 running · 1 waiting · 5.0s elapsed · ETA 4.0s');
  });

  it('earlier runs: what the plan took before, before anything ends here', () => {
    const p = new Progress(
      new Map([
        ['T1', 10_000],
        ['T3', 20_000],
      ]),
    );
    p.onEvent(start);
    p.onEvent({ type: 'task.launch', t: 0, id: 'T1' });
    expect(p.remainingMs(4000)).toBe(26_000);
  });

  it('a rate-limited task waits again', () => {
    const p = new Progress();
    p.onEvent(start);
    p.onEvent({ type: 'task.launch', t: 0, id: 'T1' });
    p.onEvent({
      type: 'task.restart',
      t: 10,
      id: 'T1',
      job: 'j',
      reason: 'rate limited: 429',
      attempt: 2,
    });
    expect(p.counts()).toMatchObject({ running: 0, waiting: 3 });
  });
});
