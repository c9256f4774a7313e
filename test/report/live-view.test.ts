import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createPlainRenderer, createTtyRenderer, REDRAW_MS } from '../../src/run/render.js';
import type { RunEvent } from '../../src/run/events.js';
import { makeSandbox, plan, planTask, runArgs, sandboxEnv, type Sandbox } from '../run/helpers.js';

const start: RunEvent = {
  type: 'run.start',
  t: 0,
  plan: 'p.md',
  tasks: ['T1', 'T2'],
  waves: [['T1'], ['T2']],
  strategy: 'waves',
  concurrency: 3,
  resume: false,
  edges: [{ from: 'T1', to: 'T2' }],
  pending: ['T1', 'T2'],
};
const launch = (id: string, t: number): RunEvent[] => [
  { type: 'task.launch', t, id },
  { type: 'task.start', t, id, wave: 1, job: `j-${id}`, worktree: '/w', branch: 'b', attempt: 1 },
];

describe('the live view progress line', () => {
  it('TTY: output lines coming fast are drawn at most every REDRAW_MS; a tick draws what was held', () => {
    let clock = 0;
    let out = '';
    const view = createTtyRenderer(
      (s) => (out += s),
      () => 100,
      () => clock,
    );
    view.onEvent(start);
    for (const event of launch('T1', 0)) view.onEvent(event);
    const draws = () => out.split('\u001b[2K').length - 1;
    const before = draws();
    for (let i = 0; i < 45; i += 1) {
      clock += 10; // 45 lines in 450 ms
      view.onEvent({ type: 'task.output', t: clock, id: 'T1', line: `line ${i}` });
    }
    // Two lines (task and progress) per draw: at most two draws in 450 ms.
    expect((draws() - before) / 2).toBeLessThanOrEqual(2);
    expect(out).not.toContain('line 44');
    clock += REDRAW_MS;
    view.tick?.(clock);
    expect(out).toContain('line 44');
    expect(out).toContain('0/2 done · 1 running · 1 waiting · 0.7s elapsed · ETA unknown');
  });

  it('plain: a progress line after each task end while tasks are left, with the ETA', () => {
    let out = '';
    const view = createPlainRenderer((s) => (out += s));
    for (const event of [
      start,
      ...launch('T1', 0),
      { type: 'task.end', t: 2000, id: 'T1', status: 'Completed', commits: [] },
      ...launch('T2', 2000),
      { type: 'task.end', t: 4100, id: 'T2', status: 'Completed', commits: [] },
    ] as RunEvent[])
      view.onEvent(event);
    const progress = out.split('\n').filter((line) => line.includes('progress:'));
    // T2 is expected to take what T1 took.
    expect(progress).toEqual([
      '[   2.0s] progress: 1/2 done · 0 running · 1 waiting · 2.0s elapsed · ETA 2.0s',
    ]);
  });
});

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});
const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('the live view in a terminal of unknown size (the built CLI)', () => {
  it('a TTY reporting 0 columns and 0 rows (script, some CI and container TTYs): whole lines, every task shown', () => {
    sandbox = makeSandbox(plan(['T1', 'T2', 'T3', 'T4'].map((id) => planTask(id, []))));
    const args = runArgs(sandbox, ['--concurrency', 'unlimited']).filter((a) => a !== '--json');
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    // `script` runs the CLI on a pseudo-terminal of its own, whose size is 0 × 0.
    const result = spawnSync(
      'script',
      ['-qec', [process.execPath, ...args].map(quote).join(' '), '/dev/null'],
      { encoding: 'utf8', env: sandboxEnv(sandbox, { FAKE_SLEEP_MS: '600' }), timeout: 60_000 },
    );
    expect(result.status).toBe(0);
    const lines = result.stdout
      .split(/\r?\n/)
      .map((line) => line.replace(new RegExp(String.raw`\u001b\[\d*[AK]`, 'g'), ''));
    // The progress line is whole (with its elapsed time), not cut at 40 columns.
    expect(
      lines.some((line) => /^4\/4 done · 0 running · 0 waiting · [\d.]+s elapsed/.test(line)),
    ).toBe(true);
    // All four tasks fit (no "… N more task(s)" line as on a 3-row terminal).
    expect(lines.some((line) => line.includes('more task(s)'))).toBe(false);
    expect(lines.some((line) => /^✓ w1 T4 +Completed/.test(line))).toBe(true);
  });
});
