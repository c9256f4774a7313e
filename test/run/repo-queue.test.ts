import { describe, expect, it } from 'vitest';
import { RepoQueue } from '../../src/run/repo-queue.js';

/** A piece of work that ends when told to, recording when it started and ended. */
function gate(log: string[], name: string) {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    open,
    work: async () => {
      log.push(`start ${name}`);
      await opened;
      log.push(`end ${name}`);
      return name;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RepoQueue', () => {
  it('runs one piece at a time, most urgent first, in order within a priority', async () => {
    const log: string[] = [];
    const queue = new RepoQueue();
    const a = gate(log, 'a');
    const results = [queue.run(a.work)];
    const idle = gate(log, 'idle');
    const soon = gate(log, 'soon');
    const now1 = gate(log, 'now1');
    const now2 = gate(log, 'now2');
    results.push(queue.run(idle.work, 'idle'), queue.run(soon.work, 'soon'));
    results.push(queue.run(now1.work, 'now'), queue.run(now2.work));
    await tick();
    expect(log).toEqual(['start a']);
    for (const g of [a, now1, now2, soon, idle]) {
      g.open();
      await tick();
    }
    expect(await Promise.all(results)).toEqual(['a', 'idle', 'soon', 'now1', 'now2']);
    expect(log).toEqual([
      'start a',
      'end a',
      'start now1',
      'end now1',
      'start now2',
      'end now2',
      'start soon',
      'end soon',
      'start idle',
      'end idle',
    ]);
  });

  it('a failure frees its place for the next piece', async () => {
    const log: string[] = [];
    const queue = new RepoQueue();
    const a = gate(log, 'a');
    const failing = queue.run(() => Promise.reject(new Error('git said no')));
    const run = queue.run(a.work);
    await expect(failing).rejects.toThrow('git said no');
    await tick();
    expect(log).toEqual(['start a']);
    a.open();
    expect(await run).toBe('a');
  });
});
