import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../src/report/metrics.js';
import { fixtureModel, fixtureNames, fixturesDir } from './fixtures.js';

// Golden metrics of recorded runs; UPDATE_GOLDEN=1 rewrites them (read the diff before committing).
describe('report metrics on recorded runs', () => {
  for (const name of fixtureNames)
    it(`${name}: matches its golden metrics`, () => {
      const metrics = computeMetrics(fixtureModel(name));
      const golden = path.join(fixturesDir, name, 'metrics.json');
      const text = `${JSON.stringify(metrics, null, 2)}\n`;
      if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    });

  it('completed: every task completed, one PR, parallelism above 1 (wave 1 ran two agents)', () => {
    const m = computeMetrics(fixtureModel('completed'));
    expect(m.tasks).toMatchObject({ total: 5, completed: 5, failed: 0, blocked: 0 });
    expect(m.spec.prsPerEpic).toBe(1);
    expect(m.parallelism).toBeGreaterThan(1);
    expect(m.waves.map((w) => w.tasks)).toEqual([2, 2, 1]);
    expect(m.criticalPath.at(-1)).toBe('T5');
    expect(m.launchWaitMs).toBeGreaterThan(0);
    expect(m.mergeWaitMs).toBeGreaterThan(0);
  });

  it('failed: T1 failed and blocked its three dependents (blocked rate 3/5)', () => {
    const m = computeMetrics(fixtureModel('failed'));
    expect(m.tasks).toMatchObject({ completed: 1, failed: 1, blocked: 3 });
    expect(m.blockedRate).toBeCloseTo(3 / 5);
    // Not ready for a PR while tasks are not done: said, and no PR command offered.
    expect(m.prCommands).toEqual([]);
    expect(m.notReady).toEqual(['T1 Failed', 'T3 Blocked', 'T4 Blocked', 'T5 Blocked']);
  });

  it('interrupted: no end recorded, two tasks left in progress', () => {
    const model = fixtureModel('interrupted');
    expect(model.finished).toBe(false);
    expect(computeMetrics(model).tasks).toMatchObject({ completed: 2, inProgress: 2 });
  });

  it('rate-limited: one rate-limit restart and one pause, T2 ran twice', () => {
    const model = fixtureModel('rate-limited');
    const m = computeMetrics(model);
    expect(m.restarts).toEqual({ total: 1, rateLimit: 1, other: 0 });
    expect(m.rateLimitPauses).toBe(1);
    const t2 = model.tasks.find((t) => t.id === 'T2');
    expect(t2?.attempts).toBe(2);
    expect(t2?.earlier).toHaveLength(1);
  });

  it('resumed: the chain of the killed run and its --resume, counted as one intervention', () => {
    const model = fixtureModel('resumed');
    expect(model.runs).toBe(2);
    const m = computeMetrics(model);
    expect(m.tasks.completed).toBe(5);
    expect(m.spec.founderInterventions).toBe(1);
    // The adopted T1 is not counted as a second attempt.
    expect(model.tasks.find((t) => t.id === 'T1')?.attempts).toBe(1);
  });
});
