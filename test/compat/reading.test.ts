// Compatibility with cc-glm-job.sh 3.4.0: status, check, health, tail, set-override, mutations,
// preflight — the lines scripts grep, the compact JSON, the exit codes. Jobs are files only here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bash,
  compactJson,
  makeRepo,
  makeSandbox,
  shim,
  writeJob,
  type Sandbox,
} from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.cleanup());

const host = os.hostname();

describe('status', () => {
  it('runner: table `bead pid state elapsed bytes last_update retry outcome`, footer `hint: logs on <host> at <dir>`', () => {
    writeJob(box.logDir, 'a', { exitCode: 0 });
    const { code, stdout } = box.job(['status']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      'bead           pid      state        elapsed   bytes     last_update      retry  outcome',
    );
    // The runner's durations (`5m0s`, `Ns ago`; `2h5m` past an hour) and `state:code (Ns)`.
    expect(lines[1]).toMatch(
      /^a {14}999999 {3}exited_ok {4}5m0s {6}18 {8}\d+s ago +0 {6}success:0 \(300s\)$/,
    );
    expect(lines[2]).toBe(`hint: logs on ${host} at ${box.logDir}`);
    const old = new Date(Date.now() - (2 * 3600 + 5 * 60 + 7) * 1000);
    fs.utimesSync(path.join(box.logDir, 'a.log'), old, old);
    expect(box.job(['status']).stdout.split('\n')[1]).toMatch(/ 2h5m ago /);
    // An id with no files: the runner's row of dashes and zeros.
    expect(box.job(['status', '--beads', 'nope']).stdout.split('\n')[1]).toBe(
      'nope           -        missing      -         0         -                0      -',
    );
  });
  it('runner: --json is one compact line {generated_at, log_dir, jobs:[{beads, pid, state, reason_code, elapsed, log_bytes, last_update, retry_count, mutation_count, override, outcome}]}', () => {
    writeJob(box.logDir, 'a', { exitCode: 1 });
    const run = box.job(['status', '--json']);
    expect(run.stdout).toContain('"state":"exited_err"');
    const doc = compactJson(run.stdout);
    expect(Object.keys(doc)).toEqual(['generated_at', 'log_dir', 'jobs']);
    expect(Object.keys((doc['jobs'] as object[])[0] ?? {})).toEqual([
      'beads',
      'pid',
      'state',
      'reason_code',
      'elapsed',
      'log_bytes',
      'last_update',
      'retry_count',
      'mutation_count',
      'override',
      'outcome',
    ]);
    // --pretty (ccglm's) indents the same document.
    expect(box.job(['status', '--json', '--pretty']).stdout).toMatch(/^\{\n {2}"generated_at"/);
  });
  it('runner: --mutations adds the `mut` column after retry (files changed in the worktree)', () => {
    const repo = path.join(box.root, 'repo');
    makeRepo(repo);
    fs.writeFileSync(path.join(repo, 'new.txt'), 'x');
    writeJob(box.logDir, 'm', { exitCode: 0, worktree: repo });
    const lines = box.job(['status', '--mutations', '--show-overrides']).stdout.split('\n');
    expect(lines[0]).toBe(
      'bead           pid      state        elapsed   bytes     last_update      retry  mut       override   outcome',
    );
    expect(lines[1]).toMatch(/ 0 {6}1 {9}- {10}success:0 \(300s\)$/);
    expect(compactJson(box.job(['status', '--mutations', '--json']).stdout)).toMatchObject({
      jobs: [{ beads: 'm', mutation_count: 1 }],
    });
  });
  it('runner: no jobs prints `(no jobs found in <dir>)` and the empty-locality hints; ccglm lists the configured targets', () => {
    const bare = box.job(['status']).stdout;
    expect(bare).toContain(`(no jobs found in ${box.logDir})\n`);
    expect(bare).toContain(`hint: local logs on ${host} at ${box.logDir} are empty\n`);
    expect(bare).toContain('{"targets": {"macmini": {"ssh": "me@macmini"}}}');
    const project = path.join(box.root, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'ccglm.config.json'),
      JSON.stringify({
        targets: {
          macmini: { ssh: 'me@macmini', transport: ['tailscale', 'ssh'] },
          epyc6: { ssh: 'feng@epyc6' },
          off: { ssh: 'x@off', enabled: false },
        },
      }),
    );
    const run = box.job(['status'], { cwd: project });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `hint: local logs on ${host} at ${box.logDir} are empty\n` +
        'hint: if jobs were dispatched to remote VMs, check:\n' +
        "  - macmini: tailscale ssh me@macmini 'ccglm job status'\n" +
        "  - epyc6: ssh feng@epyc6 'ccglm job status'\n" +
        'hint: tasks ccglm run started on them: ccglm job status --target all\n',
    );
    expect(run.stdout).not.toContain('x@off');
  });
  it('runner: a default log dir with other cc-glm-jobs-* folders beside it names them (`hint: found alternate log dirs:`); --log-dir does not', () => {
    const alt = path.join(box.root, 'cc-glm-jobs-alt');
    fs.mkdirSync(alt);
    // (/tmp/cc-glm-jobs*, if this machine has any, are listed too.)
    const out = box.job(['status']).stdout;
    expect(out).toContain('hint: found alternate log dirs:\n');
    expect(out).toContain(`  ${alt}\n`);
    expect(out).toContain('hint: rerun with --log-dir <one-of-the-above>\n');
    expect(box.job(['status', '--log-dir', box.logDir]).stdout).not.toContain('alternate');
  });
});

describe('check', () => {
  it('runner: one line `job ID <verdict> reason=… mutation_count=… log_bytes=… cpu_time=Ns`; exit 0 ok, 3 exited_err/blocked, 2 stalled', () => {
    writeJob(box.logDir, 'ok', { exitCode: 0 });
    writeJob(box.logDir, 'err', { exitCode: 2 });
    writeJob(box.logDir, 'blk', { meta: 'blocked=true\n' });
    writeJob(box.logDir, 'dead', { log: '' });
    expect(box.job(['check', '--beads', 'ok'])).toEqual({
      code: 0,
      stdout:
        'job ok completed successfully (exit 0) reason=outcome_exit_0 mutation_count=0 log_bytes=18 cpu_time=0s\n',
      stderr: '',
    });
    expect(box.job(['check', '--beads', 'err'])).toMatchObject({
      code: 3,
      stdout: expect.stringMatching(/^job err exited with error reason=outcome_exit_nonzero /),
    });
    expect(box.job(['check', '--beads', 'blk'])).toMatchObject({
      code: 3,
      stdout: expect.stringMatching(
        /^job blk blocked: max retries exhausted reason=blocked_flag_set /,
      ),
    });
    expect(box.job(['check', '--beads', 'dead'])).toMatchObject({
      code: 2,
      stdout: expect.stringMatching(
        /^job dead stalled: no progress detected reason=process_exited_no_output /,
      ),
    });
    // A job still being launched (within the grace window) reads as the runner's `starting` line.
    fs.writeFileSync(
      path.join(box.logDir, 'new.meta'),
      `beads=new\nworktree=\nstarted_at=${new Date().toISOString().slice(0, 19)}Z\nretries=0\nlaunch_state=starting\n`,
    );
    expect(box.job(['check', '--beads', 'new'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^job new starting: within grace window reason=launch_in_progress /,
      ),
    });
  });
  it('runner: --json one compact line {beads, health, reason_code, stall_threshold_seconds, mutation_count, log_bytes, cpu_time_seconds, pid_age_seconds, log_age_seconds}', () => {
    writeJob(box.logDir, 'err', { exitCode: 1 });
    const run = box.job(['check', '--beads', 'err', '--json', '--stall-minutes', '5']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('"health":"exited_err"');
    const doc = compactJson(run.stdout);
    expect(Object.keys(doc)).toEqual([
      'beads',
      'health',
      'reason_code',
      'stall_threshold_seconds',
      'mutation_count',
      'log_bytes',
      'cpu_time_seconds',
      'pid_age_seconds',
      'log_age_seconds',
    ]);
    expect(doc['stall_threshold_seconds']).toBe(300);
  });
  it('runner: a job with no meta prints `job ID has no metadata file`, remote hints on stderr, exit 1; --worktree of another folder is refused (1)', () => {
    const run = box.job(['check', '--beads', 'nope']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('job nope has no metadata file\n');
    expect(run.stderr).toContain('hint: if jobs were dispatched to remote VMs');
    writeJob(box.logDir, 'w', { exitCode: 0, worktree: box.logDir });
    expect(box.job(['check', '--beads', 'w', '--worktree', box.logDir]).code).toBe(0);
    const other = box.job(['check', '--beads', 'w', '--worktree', box.root]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^ccglm: Target identity mismatch for job w \(check\)/);
  });
  it('runner: a missing --beads or a bad value is usage, exit 2 (one line)', () => {
    writeJob(box.logDir, 'ok', { exitCode: 0 });
    expect(box.job(['check', '--beads', 'ok', '--stall-minutes', 'soon'])).toMatchObject({
      code: 2,
      stderr: 'ccglm: --stall-minutes "soon": expected a number ≥ 0\n',
    });
    for (const sub of ['check', 'tail', 'stop', 'restart', 'mutations', 'set-override'])
      expect(box.job([sub])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'ccglm: missing required option --beads ID\n',
      });
  });
  it('runner: no command or `help` prints the usage, exit 0; an unknown command is exit 2', () => {
    for (const args of [[], ['help']]) {
      const usage = box.job(args);
      expect(usage.code).toBe(0);
      expect(usage.stdout).toMatch(/^ccglm job <command> \[options\]\n/);
      expect(usage.stdout).toContain('ccglm job watchdog');
    }
    expect(box.job(['statsu'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ccglm: unknown command: statsu; did you mean status? (see ccglm job --help)\n',
    });
    expect(box.job(['--beads', 'x'])).toMatchObject({ code: 2, stdout: '' });
    expect(box.job(['help', 'statsu'])).toMatchObject({ code: 2, stdout: '' });
  });
  it('runner: its flags are read on every command (one parser), so scripts may pass them where they mean nothing', () => {
    writeJob(box.logDir, 'ok', { exitCode: 0 });
    expect(box.job(['status', '--stall-minutes', '5']).code).toBe(0);
    expect(box.job(['health', '--lines', '3', '--no-ansi']).code).toBe(0);
    expect(box.job(['watchdog', '--once', '--no-ansi', '--pty']).code).toBe(0);
    expect(box.job(['tail', '--beads', 'ok', '--once']).code).toBe(0);
    // Ignored means not checked either: the runner read `--interval` on status and never used it.
    expect(box.job(['status', '--interval', 'soon']).code).toBe(0);
    // A flag the runner never had is still refused, with the closest known one.
    expect(box.job(['status', '--jsn'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ccglm: unknown option --jsn; did you mean --json? (see ccglm job status --help)\n',
    });
    expect(box.job(['watchdog', '--once', '--max-retries', '1.5']).stderr).toBe(
      'ccglm: --max-retries "1.5": expected a whole number ≥ 0\n',
    );
    expect(box.job(['status', '--no-auto-restart', '--mutations']).code).toBe(0);
    // An empty value would silently mean the default (the shared log folder): refused.
    for (const args of [
      ['status', '--log-dir', ''],
      ['watchdog', '--once', '--max-retries='],
      ['tail', '--beads', 'ok', '--lines'],
      ['status', '--log-dir', '--json'],
    ])
      expect(box.job(args)).toMatchObject({ code: 2, stdout: '' });
    expect(box.job(['status', '--log-dir='])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ccglm: --log-dir "": expected a value, not an empty one\n',
    });
    // A flag given twice keeps its last value, as the runner's parser did.
    expect(box.job(['status', '--log-dir', '/nowhere', '--log-dir', box.logDir]).stdout).toMatch(
      /^ok /m,
    );
  });
});

describe('health', () => {
  it('runner: table `bead pid health last_update retry outcome`; --json {generated_at, log_dir, stall_threshold_seconds, jobs}', () => {
    writeJob(box.logDir, 'a', { exitCode: 0 });
    const lines = box.job(['health']).stdout.split('\n');
    expect(lines[0]).toMatch(/^bead {11}pid {6}health +last_update {6}retry {2}outcome$/);
    expect(lines[1]).toMatch(/^a +999999 +exited_ok +\d+s ago +0 +success:0 \(300s\)$/);
    expect(lines[2]).toBe(`hint: logs on ${host} at ${box.logDir}`);
    const doc = compactJson(box.job(['health', '--json']).stdout);
    expect(Object.keys(doc)).toEqual([
      'generated_at',
      'log_dir',
      'stall_threshold_seconds',
      'jobs',
    ]);
    expect(doc['stall_threshold_seconds']).toBe(1200);
    expect(box.job(['health', '--json']).stdout).toContain(
      '"health":"exited_ok","reason_code":"outcome_exit_0"',
    );
  });
  it('runner: no jobs gives the empty-locality hints', () => {
    const out = box.job(['health']).stdout;
    // (Other cc-glm-jobs folders in /tmp, if this machine has any, are named between these lines.)
    expect(out).toContain(`(no jobs found in ${box.logDir})\n`);
    expect(out).toContain(`hint: local logs on ${host} at ${box.logDir} are empty\n`);
  });
});

describe('tail', () => {
  it('runner: last --lines N (default 20) lines; --no-ansi strips escapes; no log file exits 1; an empty log says so (0)', () => {
    const log =
      Array.from({ length: 30 }, (_, i) => `\u001b[1mline ${i + 1}\u001b[0m`).join('\n') + '\n';
    writeJob(box.logDir, 'a', { exitCode: 0, log });
    expect(box.job(['tail', '--beads', 'a']).stdout.split('\n')).toHaveLength(21);
    expect(box.job(['tail', '--beads', 'a', '--lines', '2', '--no-ansi']).stdout).toBe(
      'line 29\nline 30\n',
    );
    fs.rmSync(path.join(box.logDir, 'a.log'));
    const none = box.job(['tail', '--beads', 'a']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(new RegExp(`^no log file for a: ${box.logDir}/a\\.log\\n`));
    fs.writeFileSync(path.join(box.logDir, 'a.log'), '');
    expect(box.job(['tail', '--beads', 'a'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        new RegExp(
          `^\\(log file exists but is empty: ${box.logDir}/a\\.log\\)\\nhint: empty log may indicate`,
        ),
      ),
    });
  });
});

describe('set-override', () => {
  it('runner: no value prints `override for ID:` / `  no_auto_restart=V`; a value prints the change and what the watchdog will do; other values exit 2', () => {
    writeJob(box.logDir, 'a', { exitCode: 0 });
    expect(box.job(['set-override', '--beads', 'a']).stdout).toBe(
      'override for a:\n  no_auto_restart=false\n',
    );
    expect(box.job(['set-override', '--beads', 'a', '--no-auto-restart', 'true']).stdout).toBe(
      'override updated for a:\n  no_auto_restart: false -> true\n\n watchdog will now:\n  - mark as blocked instead of restarting when stalled\n',
    );
    expect(fs.readFileSync(path.join(box.logDir, 'a.meta'), 'utf8')).toMatch(
      /^no_auto_restart=true$/m,
    );
    expect(box.job(['status', '--show-overrides']).stdout).toContain(' no-restart ');
    // A bare --no-auto-restart (no true/false after it) prints the setting, as the runner.
    expect(box.job(['set-override', '--beads', 'a', '--no-auto-restart'])).toEqual({
      code: 0,
      stdout: 'override for a:\n  no_auto_restart=true\n',
      stderr: '',
    });
    expect(box.job(['set-override', '--beads', 'a', '--no-auto-restart', 'maybe'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "ccglm: --no-auto-restart expects true or false, got 'maybe'\n",
    });
  });
});

describe('mutations', () => {
  it('runner: `=== Mutations for ID ===`, `worktree: W`, `mutation_count: N`, `Changed files:`; ccglm also counts files committed since the job started', () => {
    const repo = path.join(box.root, 'repo');
    const git = makeRepo(repo);
    const start = git('rev-parse', 'HEAD');
    writeJob(box.logDir, 'm', { worktree: repo, meta: `start_commit=${start}\n` });
    expect(box.job(['mutations', '--beads', 'm']).stdout).toBe(
      `=== Mutations for m ===\nworktree: ${repo}\n\nmutation_count: 0\n`,
    );
    fs.writeFileSync(path.join(repo, 'committed.txt'), 'c');
    git('add', 'committed.txt');
    git('commit', '-q', '-m', 'agent work');
    fs.writeFileSync(path.join(repo, 'loose.txt'), 'l');
    const run = box.job(['mutations', '--beads', 'm', '--worktree', repo]);
    expect(run).toEqual({
      code: 0,
      stdout: `=== Mutations for m ===\nworktree: ${repo}\n\nmutation_count: 2\n\nChanged files:\n?? loose.txt\nA  committed.txt (committed)\n`,
      stderr: '',
    });
  });
  it('runner: `no worktree configured for ID` (exit 0) when the job has none; a job with no files exits 1', () => {
    writeJob(box.logDir, 'n', { exitCode: 0 });
    expect(box.job(['mutations', '--beads', 'n'])).toEqual({
      code: 0,
      stdout: 'no worktree configured for n\n',
      stderr: '',
    });
    expect(box.job(['mutations', '--beads', 'nope']).code).toBe(1);
    expect(box.job(['mutations']).code).toBe(2);
  });
});

describe('preflight', () => {
  it('runner: `=== Preflight Check ===`, `timestamp:`, `claude binary: OK (path)`, `auth resolution: OK (SOURCE)`, `model config: OK (glm-5)`, `backend URL:`, `=== Preflight PASSED ===`; never the token', () => {
    const run = box.job(['preflight'], {
      env: { CC_GLM_AUTH_TOKEN: '', ZAI_API_KEY: 'zai-secret-123' },
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      '=== Preflight Check ===',
      expect.stringMatching(/^timestamp: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      `claude binary: OK (${path.join(path.dirname(shim), 'bin', 'claude')})`,
      'auth resolution: OK (ZAI_API_KEY)',
      'model config: OK (glm-5)',
      'backend URL: https://api.z.ai/api/anthropic',
    ]);
    expect(run.stdout).toContain(`log dir: OK (${box.logDir})\n`);
    expect(run.stdout.endsWith('\n=== Preflight PASSED ===\n')).toBe(true);
    expect(run.stdout + run.stderr).not.toContain('zai-secret-123');
  });
  it('runner: `claude binary: MISSING` + `  ERROR: …`, closing `=== Preflight FAILED (N error(s)) ===`, exit 1; --json {generated_at, beads, passed, exit_code, output} on one line', () => {
    // A PATH with node, git and dirname only: no claude.
    const bin = path.join(box.root, 'bin');
    fs.mkdirSync(bin);
    for (const tool of ['git', 'dirname']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], {
        encoding: 'utf8',
      }).stdout.trim();
      fs.symlinkSync(found, path.join(bin, tool));
    }
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    writeJob(box.logDir, 'p', { worktree: path.join(box.root, 'gone') });
    const run = box.job(['preflight', '--beads', 'p'], { env: { PATH: bin } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'beads: p\nclaude binary: MISSING\n  ERROR: claude CLI not found\n',
    );
    expect(run.stdout).toContain(`worktree: MISSING (${box.root}/gone)\n`);
    expect(run.stdout.endsWith('\n=== Preflight FAILED (2 error(s)) ===\n')).toBe(true);
    const json = box.job(['preflight', '--json'], { env: { PATH: bin } });
    expect(json.code).toBe(1);
    const doc = compactJson(json.stdout);
    expect(Object.keys(doc)).toEqual(['generated_at', 'beads', 'passed', 'exit_code', 'output']);
    expect(doc).toMatchObject({ beads: '', passed: false, exit_code: 1 });
    expect(doc['output']).toMatch(/^=== Preflight Check ===\n/);
  });
  it('runner: a token file that is missing reads TOKEN_FILE_MISSING with an ERROR line', () => {
    const run = box.job(['preflight'], {
      env: { CC_GLM_AUTH_TOKEN: '', CC_GLM_TOKEN_FILE: path.join(box.root, 'no-token') },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /\nauth resolution: TOKEN_FILE_MISSING\n {2}ERROR: Token file not found: /,
    );
  });
});

describe('a deleted working directory', () => {
  /** `cc-glm-job.sh ARGS` from a folder removed under the shell. */
  const fromGone = (args: string) => {
    const gone = path.join(box.root, 'gone-wt');
    fs.mkdirSync(gone, { recursive: true });
    return spawnSync(
      bash,
      ['-c', `cd "${gone}" && rmdir "${gone}" && exec bash "${shim}" ${args}`],
      {
        env: box.env,
        encoding: 'utf8',
      },
    );
  };
  it('runner: status and check still read the (absolute) log dir, as bash does there', () => {
    writeJob(box.logDir, 'a', { exitCode: 2 });
    const status = fromGone('status');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^a +999999 +exited_err /m);
    const check = fromGone('check --beads a --json');
    expect(check.status).toBe(3);
    expect(compactJson(check.stdout)).toMatchObject({ beads: 'a', health: 'exited_err' });
  });
  it('a command that needs the current folder gives one line and exit 1, not a Node stack trace', () => {
    for (const args of ['preflight', 'status --log-dir relative-dir']) {
      const run = fromGone(args);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      // bash itself warns first (shell-init: … getcwd); ccglm adds one line and no stack trace.
      expect(run.stderr).toMatch(
        /\nccglm: the current folder no longer exists \(deleted under this shell\?\); cd to an existing folder and retry\n$/,
      );
      expect(run.stderr).not.toMatch(/uv_cwd|cachedCwd|node:internal/);
    }
  });
});
