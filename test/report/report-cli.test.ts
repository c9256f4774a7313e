import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bin,
  collect,
  exitOf,
  makeSandbox,
  runSync,
  sandboxEnv,
  spawnRun,
  threeWaves,
  waitForEvents,
  type Sandbox,
} from '../run/helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

const report = (sb: Sandbox, ...args: string[]) =>
  spawnSync(process.execPath, [bin, 'report', sb.plan, ...args], {
    encoding: 'utf8',
    env: sandboxEnv(sb),
    timeout: 30_000,
  });

describe('ccglm report', () => {
  it('after a run: JSON metrics, a standalone SVG, an HTML page with each task log tail', () => {
    sandbox = makeSandbox(threeWaves);
    expect(runSync(sandbox, [], { FAKE_SAY_T2: 'T2 says hello' }).status).toBe(0);
    const json = report(sandbox, '--format', 'json');
    expect(json.status).toBe(0);
    const metrics = JSON.parse(json.stdout) as { tasks: { completed: number }; branches: string[] };
    expect(metrics.tasks.completed).toBe(4);
    expect(metrics.branches).toHaveLength(4);
    const svgFile = path.join(sandbox.dir, 't.svg');
    expect(report(sandbox, '--format', 'svg', '-o', svgFile).status).toBe(0);
    expect(readFileSync(svgFile, 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const html = report(sandbox).stdout;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('T2 says hello');
    expect(html).toContain('T1.txt');
  }, 60_000);

  it('bad input: an unknown format and --watch without -o are usage errors', () => {
    sandbox = makeSandbox(threeWaves);
    const format = report(sandbox, '--format', 'pdf');
    expect(format.status).toBe(2);
    expect(format.stderr).toContain('pdf');
    const watch = report(sandbox, '--watch');
    expect(watch.status).toBe(2);
    expect(watch.stderr).toContain('--watch rewrites a file: give it with -o FILE');
  });

  it('--watch rewrites the file while the run goes on, and ends with it', async () => {
    sandbox = makeSandbox(threeWaves);
    const run = spawnRun(sandbox, [], { FAKE_SLEEP_MS: '700' });
    await waitForEvents(run, 'task.start', 1);
    const out = path.join(sandbox.dir, 'live.html');
    const watcher = spawn(process.execPath, [bin, 'report', sandbox.plan, '--watch', '-o', out], {
      env: sandboxEnv(sandbox),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr = collect(watcher, 'stderr');
    // Written while the run goes on.
    for (let i = 0; i < 100 && !existsSync(out); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readFileSync(out, 'utf8')).toContain('running now');
    expect(await exitOf(run)).toBe(0);
    expect(await exitOf(watcher)).toBe(0);
    expect(stderr()).toContain('is final');
    const final = readFileSync(out, 'utf8');
    expect(final).toContain('finished (exit 0)');
    expect(final.match(/class="task-row" data-id="T\d" data-state="Completed"/g)).toHaveLength(4);
  }, 60_000);
});
