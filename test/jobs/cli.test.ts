import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ccglmBin } from '../../src/paths.js';

let root: string;
let logDir: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ccglm-jobcli-'));
  logDir = path.join(root, 'logs');
  fs.mkdirSync(logDir);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function job(...args: string[]) {
  return jobWithEnv({}, ...args);
}

function jobWithEnv(extra: NodeJS.ProcessEnv, ...args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CCGLM_STATE_DIR: path.join(root, 'state'),
    CCGLM_SHARED_TMP: path.join(root, 'tmp'),
  };
  delete env['CC_GLM_LOG_DIR'];
  Object.assign(env, extra);
  const result = spawnSync(process.execPath, [ccglmBin, 'job', ...args], {
    encoding: 'utf8',
    env,
    cwd: root,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A finished job as files only (no process). */
function writeFinished(id: string, exitCode: number, extraMeta = '') {
  fs.writeFileSync(
    path.join(logDir, `${id}.meta`),
    `beads=${id}\nworktree=${root}\nstarted_at=2026-01-01T00:00:00Z\nretries=0\nlaunch_state=exited\npid=999999\npid_start_time=1\n${extraMeta}`,
  );
  fs.writeFileSync(path.join(logDir, `${id}.pid`), '999999\n');
  fs.writeFileSync(path.join(logDir, `${id}.log`), '\u001b[32mgreen\u001b[0m line\n');
  fs.writeFileSync(
    path.join(logDir, `${id}.outcome`),
    `beads=${id}\nrun_id=r\nexit_code=${exitCode}\nstate=${exitCode === 0 ? 'success' : 'failed'}\ncompleted_at=2026-01-01T00:05:00Z\nduration_sec=300\nretries=0\n`,
  );
}

describe('bad input: one line, the reference exit code', () => {
  it('unknown job id', () => {
    expect(job('stop', '--beads', 'nope', '--log-dir', logDir)).toEqual({
      code: 1,
      stdout: '',
      stderr: `ccglm: no such job: nope (no nope.meta or nope.pid in ${logDir}); no job id contains nope (ccglm job status lists them all)\n`,
    });
  });
  it('a task id names the jobs ccglm run made for it', () => {
    writeFinished('demo-T2-aaa', 0);
    writeFinished('demo-T2-bbb', 1);
    writeFinished('demo-T20-ccc', 0);
    fs.utimesSync(path.join(logDir, 'demo-T2-aaa.meta'), new Date(2000), new Date(2000));
    expect(job('tail', '--beads', 'T2', '--log-dir', logDir).stderr).toBe(
      `ccglm: no such job: T2 (no T2.meta or T2.pid in ${logDir}); jobs of a task T2, newest first: demo-T2-bbb, demo-T2-aaa\n`,
    );
    for (let n = 0; n < 7; n += 1) writeFinished(`other-T2-${n}`, 0);
    expect(job('tail', '--beads', 'T2', '--log-dir', logDir).stderr).toMatch(
      /jobs of a task T2, newest first: (\S+, ){4}\S+ and 4 more\n$/,
    );
    expect(job('tail', '--beads', 'T20-c', '--log-dir', logDir).stderr).toContain(
      'job ids containing T20-c, newest first: demo-T20-ccc\n',
    );
    expect(job('tail', '--beads', 'Z9', '--log-dir', logDir).stderr).toBe(
      `ccglm: no such job: Z9 (no Z9.meta or Z9.pid in ${logDir}); no job id contains Z9 (ccglm job status lists them all)\n`,
    );
  });
  it('malformed job id', () => {
    expect(job('status', '--beads', '../x', '--log-dir', logDir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "ccglm: invalid job id '../x': expected only letters, digits, '.', '_' and '-'\n",
    });
  });
  it('corrupt meta', () => {
    fs.writeFileSync(path.join(logDir, 'bad.meta'), 'beads=bad\ngarbage\n');
    expect(job('status', '--log-dir', logDir)).toMatchObject({
      code: 1,
      stderr: `ccglm: corrupt job file ${logDir}/bad.meta:2: expected key=value, found 'garbage'\n`,
    });
  });
  it('unwritable log dir', () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    fs.writeFileSync(path.join(root, 'p.txt'), 'x');
    expect(
      job(
        'start',
        '--beads',
        'a',
        '--prompt-file',
        'p.txt',
        '--log-dir',
        `${file}/jobs`,
        '--',
        'true',
      ),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr: `ccglm: log dir is not writable: ${file}/jobs\n`,
    });
  });
  it('missing prompt file', () => {
    expect(
      job('start', '--beads', 'a', '--prompt-file', 'missing.txt', '--log-dir', logDir),
    ).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ccglm: prompt file not found: missing.txt\n',
    });
  });
  it('set-override with a value other than true/false', () => {
    writeFinished('o', 0);
    expect(
      job('set-override', '--beads', 'o', '--no-auto-restart', 'maybe', '--log-dir', logDir),
    ).toMatchObject({
      code: 2,
      stderr: "ccglm: --no-auto-restart expects true or false, got 'maybe'\n",
    });
  });
  it('a pid file pointing at a foreign live process is not this job', () => {
    writeFinished('f', 0);
    fs.rmSync(path.join(logDir, 'f.outcome'));
    fs.writeFileSync(path.join(logDir, 'f.pid'), `${process.pid}\n`);
    expect(job('check', '--beads', 'f', '--log-dir', logDir)).toMatchObject({
      code: 3,
      stdout: expect.stringContaining(' reason=process_exited_without_outcome '),
    });
    expect(job('stop', '--beads', 'f', '--log-dir', logDir)).toMatchObject({
      code: 0,
      stdout: `job f already not running (pid=${process.pid}) (that pid belongs to another process; left alone)\n`,
    });
  });
});

describe('watchdog input', () => {
  it('refuses a pidfile held by a live process, an unwritable pidfile and a zero interval', () => {
    const pidfile = path.join(root, 'wd.pid');
    fs.writeFileSync(pidfile, `${process.pid}\n`);
    expect(job('watchdog', '--once', '--pidfile', pidfile, '--log-dir', logDir)).toEqual({
      code: 1,
      stdout: '',
      stderr: `ccglm: a watchdog is already running (pid ${process.pid}, pidfile ${pidfile})\n`,
    });
    expect(
      job('watchdog', '--once', '--pidfile', `${root}/no/dir/wd.pid`, '--log-dir', logDir),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /^ccglm: cannot write pidfile .*no\/dir\/wd\.pid: ENOENT[^\n]*\n$/,
      ),
    });
    expect(job('watchdog', '--interval', '0', '--log-dir', logDir)).toMatchObject({
      code: 2,
      stderr: 'ccglm: --interval must be at least 0.1 seconds\n',
    });
  });
});

describe('check exit codes', () => {
  it('0 exited_ok, 3 exited_err, 3 blocked, 1 missing', () => {
    writeFinished('ok', 0);
    writeFinished('err', 2);
    writeFinished('blk', 0, 'blocked=true\n');
    const codes = ['ok', 'err', 'blk', 'none'].map(
      (id) => job('check', '--beads', id, '--log-dir', logDir).code,
    );
    expect(codes).toEqual([0, 3, 3, 1]);
  });
});

describe('reading commands', () => {
  it('status --json uses exactly the reference field names', () => {
    writeFinished('a', 0);
    const out = JSON.parse(job('status', '--json', '--log-dir', logDir).stdout) as {
      jobs: object[];
    };
    expect(Object.keys(out)).toEqual(['generated_at', 'log_dir', 'jobs']);
    expect(out.jobs[0]).toEqual({
      beads: 'a',
      pid: 999999,
      state: 'exited_ok',
      reason_code: 'outcome_exit_0',
      elapsed: 300,
      log_bytes: 20,
      last_update: expect.any(String),
      retry_count: 0,
      mutation_count: 0,
      override: '-',
      outcome: 'success:0',
    });
  });
  it('health --json and check --json field names', () => {
    writeFinished('a', 1);
    const health = JSON.parse(job('health', '--json', '--log-dir', logDir).stdout) as {
      jobs: object[];
    };
    expect(Object.keys(health.jobs[0] ?? {})).toEqual([
      'beads',
      'pid',
      'health',
      'reason_code',
      'last_update',
      'retry_count',
      'mutation_count',
      'log_bytes',
      'cpu_time_seconds',
      'pid_age_seconds',
      'log_age_seconds',
      'override',
      'outcome',
    ]);
    const check = JSON.parse(
      job('check', '--json', '--beads', 'a', '--log-dir', logDir).stdout,
    ) as object;
    expect(check).toEqual({
      beads: 'a',
      health: 'exited_err',
      reason_code: 'outcome_exit_nonzero',
      stall_threshold_seconds: 1200,
      mutation_count: 0,
      log_bytes: 20,
      cpu_time_seconds: 0,
      pid_age_seconds: expect.any(Number),
      log_age_seconds: expect.any(Number),
    });
  });
  it('status columns grow with a job id longer than the reference width', () => {
    writeFinished('a', 0);
    writeFinished('checkout-T12-mx6c4eha', 1);
    const lines = job('status', '--log-dir', logDir).stdout.split('\n');
    const pidAt = (line: string | undefined) => line?.search(/999999|pid/);
    expect(lines[0]).toMatch(/^bead {18}pid /);
    expect(pidAt(lines[1])).toBe(pidAt(lines[0]));
    expect(pidAt(lines[2])).toBe(pidAt(lines[0]));
    expect(lines[2]).toMatch(/^checkout-T12-mx6c4eha 999999 /);
  });
  it('status table with overrides, and the footer hint', () => {
    writeFinished('a', 0, 'no_auto_restart=true\n');
    const { stdout, code } = job('status', '--show-overrides', '--log-dir', logDir);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      'bead           pid      state        elapsed   bytes     last_update      retry  override   outcome',
    );
    expect(lines[1]).toMatch(
      /^a {14}999999 {3}exited_ok {4}5m0s {6}20 {8}\S+ ago +0 {6}no-restart success:0 \(\d+s\)$/,
    );
    expect(lines[2]).toBe(`hint: logs on ${os.hostname()} at ${logDir}`);
  });
  it('with no jobs, says the local folder is empty and how to name remote targets', () => {
    const { stdout } = job('health', '--log-dir', logDir);
    expect(stdout).toContain(
      `bead           pid      health               last_update      retry  outcome\n` +
        `(no jobs found in ${logDir})\n`,
    );
    expect(stdout).toContain(`hint: local logs on ${os.hostname()} at ${logDir} are empty\n`);
  });
  it('warns about other cc-glm-jobs folders at most once an hour, unless --log-dir names one', () => {
    const main = path.join(root, 'cc-glm-jobs');
    fs.mkdirSync(main);
    fs.mkdirSync(path.join(root, 'cc-glm-jobs-alt1'));
    fs.mkdirSync(path.join(root, 'tmp', 'cc-glm-jobs-old'), { recursive: true });
    const byEnv = (...args: string[]) => jobWithEnv({ CC_GLM_LOG_DIR: main }, ...args);
    expect(job('status', '--log-dir', main).stderr).not.toContain('WARN');
    const first = byEnv('status').stderr;
    expect(first).toContain(
      `WARN: Multiple log directories detected. Using: ${main}\nWARN: Alternative dirs found:\n  - ${root}/cc-glm-jobs-alt1\n  - ${root}/tmp/cc-glm-jobs-old\n`,
    );
    expect(byEnv('status').stderr).not.toContain('WARN');
  });
  it('tail --no-ansi strips escapes', () => {
    writeFinished('a', 0);
    expect(job('tail', '--beads', 'a', '--no-ansi', '--log-dir', logDir).stdout).toBe(
      'green line\n',
    );
    expect(job('tail', '--beads', 'a', '--log-dir', logDir).stdout).toBe(
      '\u001b[32mgreen\u001b[0m line\n',
    );
  });
  it('set-override writes and prints the setting', () => {
    writeFinished('a', 0);
    job('set-override', '--beads', 'a', '--no-auto-restart', 'true', '--log-dir', logDir);
    expect(job('set-override', '--beads', 'a', '--log-dir', logDir).stdout).toBe(
      'override for a:\n  no_auto_restart=true\n',
    );
  });
});
