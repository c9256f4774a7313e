import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerTask } from '../../src/schedule/scheduler.js';
import { propertyRuns } from '../support/property.js';

const diamond: SchedulerTask[] = [
  { id: 'T1', deps: [] },
  { id: 'T2', deps: ['T1'] },
  { id: 'T3', deps: ['T1'] },
  { id: 'T4', deps: ['T2', 'T3'] },
  { id: 'T5', deps: [] },
];

describe('Scheduler', () => {
  it('waves: the next wave starts only when the previous one has ended', () => {
    const s = new Scheduler([...diamond, { id: 'T6', deps: ['T5'] }], {
      strategy: 'waves',
      concurrency: Infinity,
    });
    expect(s.ready()).toEqual(['T1', 'T5']);
    s.start('T1');
    s.start('T5');
    s.complete('T5', { status: 'completed' });
    expect(s.ready()).toEqual([]); // T6 waits for wave 1 (T1) although T5 is done
    s.complete('T1', { status: 'completed' });
    expect(s.ready()).toEqual(['T2', 'T3', 'T6']);
  });

  it('eager: a task starts as soon as its dependencies completed', () => {
    const s = new Scheduler([...diamond, { id: 'T6', deps: ['T5'] }], {
      strategy: 'eager',
      concurrency: Infinity,
    });
    s.start('T1');
    s.start('T5');
    s.complete('T5', { status: 'completed' });
    expect(s.ready()).toEqual(['T6']);
  });

  it('upcoming: pending tasks that wait only for running ones', () => {
    const s = new Scheduler(diamond, { strategy: 'eager', concurrency: Infinity });
    expect(s.upcoming()).toEqual([]); // nothing runs yet: T1 and T5 are ready, not upcoming
    s.start('T1');
    expect(s.upcoming()).toEqual(['T2', 'T3']); // T4 also waits for T2 and T3, which do not run
    s.complete('T1', { status: 'completed' });
    s.start('T2');
    expect(s.upcoming()).toEqual([]); // T3 is ready now; T4 still waits for T3
    s.start('T3');
    expect(s.upcoming()).toEqual(['T4']);
    s.complete('T3', { status: 'failed', reason: 'x' });
    expect(s.upcoming()).toEqual([]); // blocked, not upcoming
  });

  it('respects concurrency and throttling', () => {
    const s = new Scheduler(diamond, { concurrency: 1 });
    expect(s.ready()).toEqual(['T1']);
    s.start('T1');
    expect(s.ready()).toEqual([]);
    s.complete('T1', { status: 'completed' });
    s.throttle({ until: 1000 });
    expect(s.ready(500)).toEqual([]);
    expect(s.ready(1000)).toEqual(['T5']); // waves: T5 is still in wave 1
  });

  it('starts the task heading the longest chain first, then plan order', () => {
    const tasks: SchedulerTask[] = [
      { id: 'A', deps: [] }, // nothing depends on it
      { id: 'B', deps: [] }, // one dependent
      { id: 'C', deps: [] }, // a chain of three after it
      { id: 'B1', deps: ['B'] },
      { id: 'C1', deps: ['C'] },
      { id: 'C2', deps: ['C1'] },
      { id: 'C3', deps: ['C2', 'B1'] },
      { id: 'D', deps: [] }, // as long a chain as B's: after B (plan order)
      { id: 'D1', deps: ['D'] },
    ];
    for (const strategy of ['eager', 'waves'] as const) {
      const one = new Scheduler(tasks, { strategy, concurrency: 1 });
      expect(one.ready()).toEqual(['C']);
      const all = new Scheduler(tasks, { strategy, concurrency: Infinity });
      expect(all.ready()).toEqual(['C', 'B', 'D', 'A']);
      all.start('C');
      all.start('B');
      expect(all.upcoming()).toEqual(['C1', 'B1']);
    }
    // Only the tasks this run starts count: Q's dependents are not part of it (--only).
    const only = new Scheduler(
      [
        { id: 'P', deps: [] },
        { id: 'Q', deps: [] },
        { id: 'Q1', deps: ['Q'] },
        { id: 'Q2', deps: ['Q1'] },
      ],
      { only: ['P', 'Q'], concurrency: 1 },
    );
    expect(only.ready()).toEqual(['P']);
    // What the run lists (state()) stays in plan order.
    expect(
      new Scheduler(tasks)
        .state()
        .slice(0, 3)
        .map((t) => t.id),
    ).toEqual(['A', 'B', 'C']);
  });

  it('dependencies-successful: a failure blocks exactly its dependents; independent tasks go on', () => {
    const s = new Scheduler(diamond, { concurrency: Infinity, strategy: 'eager' });
    s.start('T1');
    s.start('T5');
    s.complete('T1', { status: 'failed', reason: 'exit 1' });
    expect(s.takeBlocked()).toEqual(['T2', 'T3', 'T4']);
    expect(s.snapshot('T4')).toMatchObject({ state: 'blocked', reason: 'dependency T1 failed' });
    expect(s.isDone()).toBe(false);
    s.complete('T5', { status: 'completed' });
    expect(s.isDone()).toBe(true);
  });

  it('never: the first failure stops new starts; always: dependents still run', () => {
    const never = new Scheduler(diamond, { continue: 'never', concurrency: Infinity });
    never.start('T1');
    never.complete('T1', { status: 'failed', reason: 'x' });
    expect(
      never
        .state()
        .filter((t) => t.state === 'blocked')
        .map((t) => t.id),
    ).toEqual(['T2', 'T3', 'T4', 'T5']);
    const always = new Scheduler(diamond, {
      continue: 'always',
      concurrency: Infinity,
      strategy: 'eager',
    });
    always.start('T1');
    always.complete('T1', { status: 'failed', reason: 'x' });
    expect(always.ready()).toEqual(['T2', 'T3', 'T5']);
  });

  it('skips Completed tasks; --only and --from select; an unmet unselected dependency blocks', () => {
    const done = new Scheduler([{ id: 'T1', deps: [], done: true }, ...diamond.slice(1)], {
      concurrency: Infinity,
      strategy: 'eager',
    });
    expect(done.ready()).toEqual(['T2', 'T3', 'T5']);
    const only = new Scheduler(diamond, { only: ['T4'] });
    expect(only.snapshot('T4')).toMatchObject({ state: 'blocked' });
    expect(only.snapshot('T4')?.reason).toContain('dependency T2 is not Completed');
    const from = new Scheduler(diamond, { from: 'T2', concurrency: Infinity });
    expect(
      from
        .state()
        .filter((t) => t.state === 'skipped')
        .map((t) => t.id),
    ).toEqual(['T1', 'T3', 'T5']);
  });

  it('property: no task starts before its dependencies completed, every task ends once, concurrency holds', () => {
    const dag = fc
      .integer({ min: 1, max: 14 })
      .chain((n) =>
        fc.tuple(
          fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
          fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          fc.constantFrom('waves' as const, 'eager' as const),
          fc.integer({ min: 1, max: 4 }),
          fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        ),
      );
    fc.assert(
      fc.property(dag, ([depLists, failures, strategy, concurrency, picks]) => {
        const tasks = depLists.map((deps, i) => ({
          id: `T${i}`,
          deps: [...new Set(deps.filter((d) => d < i).map((d) => `T${d}`))].filter(
            (d) => Number(d.slice(1)) < i,
          ),
        }));
        const s = new Scheduler(tasks, { strategy, concurrency });
        const running: string[] = [];
        const ended = new Map<string, string>();
        let pick = 0;
        for (let step = 0; step < 200 && !s.isDone(); step += 1) {
          for (const id of s.ready()) {
            const task = tasks.find((t) => t.id === id)!;
            for (const dep of task.deps) expect(ended.get(dep)).toBe('completed');
            s.start(id);
            running.push(id);
          }
          expect(running.length).toBeLessThanOrEqual(concurrency);
          const index = (picks[pick++ % picks.length] ?? 0) % running.length;
          const id = running.splice(index, 1)[0]!;
          const failed = failures[Number(id.slice(1))] === true;
          s.complete(id, failed ? { status: 'failed', reason: 'x' } : { status: 'completed' });
          expect(ended.has(id)).toBe(false);
          ended.set(id, failed ? 'failed' : 'completed');
        }
        expect(s.isDone()).toBe(true);
        for (const snap of s.state()) {
          if (snap.state === 'blocked') {
            const task = tasks.find((t) => t.id === snap.id)!;
            expect(task.deps.some((dep) => s.snapshot(dep)?.state !== 'completed')).toBe(true);
          } else expect(['completed', 'failed']).toContain(snap.state);
        }
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});

describe('Scheduler.halt', () => {
  it('after an interrupt, failures do not block the tasks that were never reached', () => {
    const s = new Scheduler(diamond, { concurrency: Infinity });
    s.start('T1');
    s.halt();
    s.complete('T1', { status: 'failed', reason: 'interrupted' });
    expect(s.takeBlocked()).toEqual([]);
    expect(s.ready()).toEqual([]);
    expect(s.isDone()).toBe(true);
    expect(s.snapshot('T2')?.state).toBe('pending');
  });
});
