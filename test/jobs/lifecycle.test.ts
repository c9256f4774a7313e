import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  jobFiles,
  readJob,
  readMeta,
  readOutcome,
  restartJob,
  runWatchdogPass,
  startJob,
  updateMeta,
  waitForJobEnd,
} from '../../src/jobs/index.js';
import { ccglmBin } from '../../src/paths.js';
import { fake, makeJobDir, sleep, until } from './helpers.js';

let job: ReturnType<typeof makeJobDir>;
beforeEach(() => {
  job = makeJobDir();
});
afterEach(async () => job.cleanup());

describe('restart', () => {
  it('rotates log and outcome, counts the retry and relaunches from another folder', async () => {
    await startJob({
      id: 'r',
      logDir: job.logDir,
      promptFile: job.promptFile,
      command: [fake('exit-with'), '4'],
      plan: '/plans/app-plan.md',
    });
    await waitForJobEnd(job.logDir, 'r');
    const restarted = spawnSync(
      process.execPath,
      [ccglmBin, 'job', 'restart', '--beads', 'r', '--log-dir', job.logDir],
      {
        cwd: '/',
        encoding: 'utf8',
      },
    );
    expect(restarted.stdout).toMatch(/^restarted beads=r pid=\d+ retries=1 log=\S+ pty=false\n$/);
    await waitForJobEnd(job.logDir, 'r');
    const files = jobFiles(job.logDir, 'r');
    expect(fs.readFileSync(`${files.log}.1`, 'utf8')).toBe('fake agent: exiting 4\n');
    expect(fs.readFileSync(`${files.outcome}.1`, 'utf8')).toContain('exit_code=4\n');
    expect(readOutcome(job.logDir, 'r')).toMatchObject({ exit_code: 4, retries: 1 });
    expect(readMeta(job.logDir, 'r')).toMatchObject({
      retries: '1',
      restarted_at: expect.stringMatching(/Z$/),
      plan: '/plans/app-plan.md', // whose job it is (ccglm clean --logs PLAN) is kept
    });
  });

  it('refuses a job whose meta cannot be relaunched before it stops the live attempt', async () => {
    await startJob({
      id: 'm',
      logDir: job.logDir,
      promptFile: job.promptFile,
      command: ['sh', '-c', 'exec sleep 600'],
    });
    await until(() => readJob(job.logDir, 'm').agentAlive);
    updateMeta(job.logDir, 'm', { job_env: '{"CC_GLM_MODEL":5}' });
    await expect(restartJob(job.logDir, 'm')).rejects.toThrow(
      'cannot restart m: m.meta: its job_env= line is not a JSON object of strings',
    );
    expect(readJob(job.logDir, 'm').agentAlive).toBe(true);
    expect(readMeta(job.logDir, 'm')?.['retries']).toBe('0');
  });

  it('--preserve-contract refuses when the model changed', async () => {
    await startJob({
      id: 'c',
      logDir: job.logDir,
      promptFile: job.promptFile,
      command: [fake('exit-with')],
      env: {},
    });
    await waitForJobEnd(job.logDir, 'c');
    await expect(
      restartJob(job.logDir, 'c', {
        preserveContract: true,
        env: { ...process.env, CC_GLM_MODEL: 'other-model' },
      }),
    ).rejects.toThrow(
      "ERROR: Contract verification failed (model: stored 'glm-5', now 'other-model')",
    );
    expect(readMeta(job.logDir, 'c')?.['retries']).toBe('0');
  });
});

describe('watchdog', () => {
  it('restarts a stalled job once, then marks it blocked (max_retries)', async () => {
    await startJob({
      id: 'w',
      logDir: job.logDir,
      promptFile: job.promptFile,
      command: [fake('print-then-sleep')],
      pty: true,
    });
    const lines: string[] = [];
    const pass = () =>
      runWatchdogPass({ logDir: job.logDir, stallSeconds: 0.5, print: (line) => lines.push(line) });
    await sleep(800);
    expect((await pass())[0]).toMatchObject({ health: 'stalled', action: 'restart' });
    await sleep(800);
    expect((await pass())[0]).toMatchObject({
      health: 'stalled',
      action: 'blocked',
      detail: 'max_retries',
    });
    expect(lines).toEqual([
      '[w] health=stalled reason=stale_log_and_no_cpu_progress retries=0 action=restart',
      '[w] stalled, retries=0/1',
      '[w] restarting...',
      '[w] restart succeeded',
      '[w] health=stalled reason=stale_log_and_no_cpu_progress retries=1 action=blocked (max_retries)',
      '[w] stalled, retries=1/1',
      '[w] BLOCKED: max retries (1) exhausted',
    ]);
    expect(readMeta(job.logDir, 'w')).toMatchObject({
      blocked: 'true',
      blocked_reason: 'max_retries',
      retries: '1',
    });
    expect(fs.readFileSync(`${jobFiles(job.logDir, 'w').log}.1`, 'utf8')).toContain(
      'fake agent: started',
    );
    expect((await pass())[0]).toMatchObject({ health: 'blocked', action: 'none' });
  });

  it('observe-only reports; a per-job override blocks instead of restarting', async () => {
    await startJob({
      id: 'o',
      logDir: job.logDir,
      promptFile: job.promptFile,
      command: [fake('sleep-silent')],
    });
    await sleep(700);
    const quiet = { logDir: job.logDir, stallSeconds: 0.5, print: () => undefined };
    expect((await runWatchdogPass({ ...quiet, mode: 'observe-only' }))[0]).toMatchObject({
      health: 'stalled',
      action: 'observe',
    });
    fs.appendFileSync(jobFiles(job.logDir, 'o').meta, 'no_auto_restart=true\n');
    expect((await runWatchdogPass(quiet))[0]).toMatchObject({
      action: 'blocked',
      detail: 'no_auto_restart',
    });
    expect(readMeta(job.logDir, 'o')?.['retries']).toBe('0');
  });
});

describe('detachment', () => {
  it('a job outlives the command that started it; its outcome appears later', async () => {
    const started = spawnSync(
      process.execPath,
      [
        ccglmBin,
        'job',
        'start',
        '--beads',
        'd',
        '--log-dir',
        job.logDir,
        '--prompt-file',
        job.promptFile,
        '--pty',
        '--',
        'sh',
        '-c',
        'sleep 1; echo done',
      ],
      { encoding: 'utf8', cwd: path.dirname(job.logDir) },
    );
    expect(started.status).toBe(0);
    expect(started.stdout).toMatch(
      new RegExp(`^started beads=d pid=\\d+ log=${job.logDir}/d\\.log pty=true\\n$`),
    );
    // the starting command has exited (spawnSync returned); the job is still running
    expect(readJob(job.logDir, 'd').agentAlive).toBe(true);
    expect(readOutcome(job.logDir, 'd')).toBeUndefined();
    await until(() => readOutcome(job.logDir, 'd'));
    expect(readOutcome(job.logDir, 'd')).toMatchObject({ exit_code: 0, state: 'success' });
  });
});

describe('CLI over live jobs', () => {
  it('tail --follow prints the output until the job ends', async () => {
    await startJob({
      id: 'f',
      logDir: job.logDir,
      promptFile: job.promptFile,
      command: ['sh', '-c', 'echo one; sleep 0.5; echo two; sleep 0.5; echo three'],
    });
    const tail = spawnSync(
      process.execPath,
      [ccglmBin, 'job', 'tail', '--beads', 'f', '--follow', '--log-dir', job.logDir],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    expect(tail.status).toBe(0);
    expect(tail.stdout).toBe('one\ntwo\nthree\n');
  });

  it('watchdog --once prints the header, the iteration line and one line per job; --pidfile is removed after', async () => {
    await startJob({
      id: 'w1',
      logDir: job.logDir,
      promptFile: job.promptFile,
      command: [fake('sleep-silent')],
    });
    const pidfile = path.join(job.logDir, 'watchdog.pid');
    const run = spawnSync(
      process.execPath,
      [
        ccglmBin,
        'job',
        'watchdog',
        '--once',
        '--observe-only',
        '--pidfile',
        pidfile,
        '--log-dir',
        job.logDir,
      ],
      { encoding: 'utf8', cwd: '/' },
    );
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `watchdog pid=${lines[0]?.match(/pid=(\d+)/)?.[1] ?? '?'} written to ${pidfile}`,
      'watchdog started: mode=observe-only interval=60s stall=20m max-retries=1 once=true beads=all',
      'press Ctrl+C to stop',
      `hint: logs on ${os.hostname()} at ${job.logDir}`,
    ]);
    expect(lines[4]).toMatch(/^=== watchdog iteration 1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ===$/);
    expect(lines.slice(5)).toEqual([
      '[w1] health=launching reason=no_output_within_grace retries=0 action=none',
      'watchdog completed single iteration (--once)',
    ]);
    expect(fs.existsSync(pidfile)).toBe(false);
  });
});
