import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bin,
  exitOf,
  makeSandbox,
  plan,
  planTask,
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

function status(sb: Sandbox, planFile = sb.plan) {
  return spawnSync(process.execPath, [bin, 'status', planFile], {
    encoding: 'utf8',
    env: sandboxEnv(sb),
    cwd: sb.dir,
    timeout: 30_000,
  });
}

/** The status line of one task (`  ✓ T1 Completed …`). */
const lineOf = (stdout: string, id: string) =>
  stdout.split('\n').find((line) => new RegExp(`^  . ${id} `).test(line)) ?? '';

describe('ccglm status', () => {
  it('before any run: every task with what it waits for; exit 6 (tasks left)', () => {
    sandbox = makeSandbox(threeWaves);
    const result = status(sandbox);
    expect(result.status).toBe(6);
    expect(result.stdout).toContain('never run');
    expect(result.stdout).toMatch(/Wave 1\n {2}· T1 Not Started +ready/);
    expect(lineOf(result.stdout, 'T3')).toContain('waits for T1, T2');
  });

  it('after a run with a failure: durations, the failure, what it blocks; exit 4', () => {
    sandbox = makeSandbox(threeWaves);
    expect(runSync(sandbox, [], { FAKE_FAIL: 'T3' }).status).toBe(1);
    const result = status(sandbox);
    expect(result.status).toBe(4);
    expect(result.stdout).toContain('last run ended');
    expect(lineOf(result.stdout, 'T1')).toMatch(/✓ T1 Completed +\d+\.\ds +1 commit\(s\)/);
    expect(lineOf(result.stdout, 'T3')).toContain('agent failed (exit 1)');
    expect(lineOf(result.stdout, 'T4')).toMatch(/■ T4 Blocked .*T3/);
  }, 60_000);

  it('all completed: exit 0', () => {
    sandbox = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
    expect(runSync(sandbox).status).toBe(0);
    const result = status(sandbox);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2/2 completed');
    // A task done before the last run: said so, not "0 commit(s)".
    const text = readFileSync(sandbox.plan, 'utf8');
    writeFileSync(
      sandbox.plan,
      text.replace(/(### T2[^]*?status\*\*: )Completed/, '$1Not Started'),
    );
    // Completed by the first run: run again only when named (see the preflight's undone check).
    expect(runSync(sandbox, ['--only', 'T2']).status).toBe(0);
    expect(lineOf(status(sandbox).stdout, 'T1')).toMatch(
      /Completed +completed before the last run \(by an earlier one, or by hand\)$/,
    );
  }, 60_000);

  it('while a run goes on: the run, each running job health, the progress line; exit 3', async () => {
    sandbox = makeSandbox(threeWaves);
    const child = spawnRun(sandbox, [], { FAKE_SLEEP_MS_T3: '30000' });
    try {
      await waitForEvents(child, 'task.start', 3);
      const result = status(sandbox);
      expect(result.status).toBe(3);
      expect(result.stdout).toMatch(/: running \(pid \d+/);
      expect(lineOf(result.stdout, 'T3')).toMatch(
        /… T3 In Progress +\d+\.\ds +(healthy|starting|launching|waiting_first_output), job test-T3-/,
      );
      expect(lineOf(result.stdout, 'T4')).toContain('waits for T3');
      expect(result.stdout).toMatch(/2\/4 done · 1 running · 1 waiting · .* elapsed · ETA /);
    } finally {
      child.kill('SIGTERM');
      await exitOf(child);
    }
  }, 60_000);

  it('after --detach, once the agents ended: what became of each, and the command that takes them over', async () => {
    sandbox = makeSandbox(threeWaves);
    const child = spawnRun(sandbox, ['--detach'], { FAKE_SLEEP_MS: '600', FAKE_FAIL: 'T2' });
    await waitForEvents(child, 'task.start', 2);
    child.kill('SIGINT');
    await exitOf(child);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the agents end meanwhile
    const result = status(sandbox);
    expect(lineOf(result.stdout, 'T1')).toContain('its agent ended (exit 0), not merged yet');
    expect(lineOf(result.stdout, 'T2')).toContain('its agent failed, not recorded yet');
    expect(result.stdout).toContain(
      `next: ccglm run --resume ${sandbox.plan} adopts the 2 job(s) left (merges what ended, follows what runs)\n`,
    );
  }, 60_000);

  it('bad input: a missing plan is one line and exit 1; no plan is a usage error', () => {
    sandbox = makeSandbox(threeWaves);
    const missing = status(sandbox, path.join(sandbox.dir, 'nope-plan.md'));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope-plan.md');
    const usage = spawnSync(process.execPath, [bin, 'status'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});
