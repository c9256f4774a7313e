// Compatibility with cc-glm-job.sh 3.4.0: start, stop, restart, watchdog — real jobs (the default
// agent, `ccglm headless`, running a fake `claude`), real files in the sandbox's log dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compactJson, makeRepo, makeSandbox, until, writeJob, type Sandbox } from './helpers.js';

let box: Sandbox;
let prompt: string;
beforeEach(() => {
  box = makeSandbox();
  prompt = path.join(box.root, 'prompt.md');
  fs.writeFileSync(prompt, 'do the task\n');
});
afterEach(() => box.cleanup());

const read = (file: string) => fs.readFileSync(file, 'utf8');
const keysOf = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.includes('=') && !line.startsWith('#'))
    .map((line) => line.slice(0, line.indexOf('=')));
/** A new repo under the sandbox and a job `id` running `sh -c SCRIPT` in it; returns the repo. */
function startInRepo(id: string, script: string): string {
  const repo = path.join(box.root, `${id}-repo`);
  makeRepo(repo);
  const started = box.job(
    ['start', '--beads', id, '--prompt-file', prompt, '--worktree', repo].concat([
      '--',
      'sh',
      '-c',
      script,
    ]),
  );
  expect(started.code).toBe(0);
  return repo;
}

describe('start', () => {
  it('runner: `started beads=ID pid=N log=DIR/ID.log pty=false`; pid, meta, contract files; a finished job gets an outcome and checks ok', async () => {
    const run = box.job(['start', '--beads', 'a', '--prompt-file', prompt, '--worktree', box.root]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const pid = /^started beads=a pid=(\d+) log=(\S+) pty=false\n$/.exec(run.stdout);
    expect(pid?.[2]).toBe(path.join(box.logDir, 'a.log'));
    expect(read(path.join(box.logDir, 'a.pid'))).toBe(`${pid?.[1]}\n`);
    expect(keysOf(read(path.join(box.logDir, 'a.meta')))).toEqual(
      expect.arrayContaining([
        'beads',
        'repo',
        'worktree',
        'prompt_file',
        'started_at',
        'retries',
        'use_pty',
        'version',
        'launch_state',
        'auth_source',
        'auth_mode',
        'execution_mode',
      ]),
    );
    const contract = read(path.join(box.logDir, 'a.contract'));
    expect(contract).toMatch(
      /^# Runtime contract for a \(generated \S+Z\)\n# DO NOT store secrets here\n/,
    );
    expect(contract).not.toContain('compat-token-not-a-secret');
    const outcome = await until(() => {
      const file = path.join(box.logDir, 'a.outcome');
      return fs.existsSync(file) && read(file);
    });
    expect(outcome).toMatch(/^exit_code=0$/m);
    expect(outcome).toMatch(/^state=success$/m);
    expect(read(path.join(box.logDir, 'a.log'))).toContain('fake claude: working');
    expect(box.job(['check', '--beads', 'a'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^job a completed successfully \(exit 0\) reason=outcome_exit_0 /,
      ),
    });
  });
  it('runner: usage errors exit 2 (no --beads / --prompt-file), a missing prompt file 1, a running job 1 (`already running`)', async () => {
    expect(box.job(['start', '--prompt-file', prompt]).code).toBe(2);
    expect(box.job(['start', '--beads', 'a']).code).toBe(2);
    expect(box.job(['start', '--beads', 'a', '--prompt-file', 'missing.md'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ccglm: prompt file not found: missing.md\n',
    });
    const env = { FAKE_CLAUDE_SLEEP: '30' };
    expect(box.job(['start', '--beads', 'b', '--prompt-file', prompt], { env }).code).toBe(0);
    await until(() => read(path.join(box.logDir, 'b.log')).includes('fake claude'));
    const again = box.job(['start', '--beads', 'b', '--prompt-file', prompt], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^ccglm: job b already running \(pid=\d+\)/);
  });
});

describe('silent mutation', () => {
  it('runner: a silent job that changes files reads silent_mutation (ccglm: changed since the last check); `grep -q \'"health":"silent_mutation"\'` on check --json matches; mutations counts the file', async () => {
    const repo = startInRepo('quiet', 'echo x > new-file.txt; exec sleep 600');
    await until(() => fs.existsSync(path.join(repo, 'new-file.txt')));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const check = box.job(['check', '--beads', 'quiet', '--stall-seconds', '1', '--json']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('"health":"silent_mutation"');
    expect(check.stdout).toContain('"reason_code":"worktree_changed_no_output"');
    expect(box.job(['mutations', '--beads', 'quiet']).stdout).toContain('mutation_count: 1\n');
    // Differs: ccglm counts a change since the previous check (the runner: any change, so an already
    // dirty tree hid a hung job). One more file, and the watchdog says so.
    fs.writeFileSync(path.join(repo, 'second.txt'), 'y');
    expect(
      box.job(['watchdog', '--once', '--stall-seconds', '1', '--beads', 'quiet']).stdout,
    ).toContain(
      "[quiet] SILENT_MUTATION: worktree changed with no output; inspect via 'ccglm job mutations --beads quiet'\n",
    );
  });
  it("runner: check --json and health --json give the worktree's mutation_count now, also while the job is healthy (`jq .mutation_count` in scripts)", async () => {
    const repo = startInRepo(
      'busy',
      'echo working; echo x > a.txt; echo y > b.txt; exec sleep 600',
    );
    await until(() => fs.existsSync(path.join(repo, 'b.txt')));
    const check = compactJson(box.job(['check', '--beads', 'busy', '--json']).stdout);
    expect(check).toMatchObject({ health: 'healthy', mutation_count: 2 });
    const health = compactJson(box.job(['health', '--json']).stdout);
    expect(health['jobs']).toEqual([
      expect.objectContaining({ beads: 'busy', health: 'healthy', mutation_count: 2 }),
    ]);
    expect(box.job(['check', '--beads', 'busy']).stdout).toContain(' mutation_count=2 ');
  });
});

describe('start with CC_GLM_REQUIRED_BASELINE', () => {
  it('runner: the worktree must contain the commit, else `baseline gate failed: reason=…` and exit 1, no job', () => {
    const repo = path.join(box.root, 'repo');
    const git = makeRepo(repo);
    const base = git('rev-parse', 'HEAD');
    const start = (id: string, required: string) =>
      box.job(['start', '--beads', id, '--prompt-file', prompt, '--worktree', repo], {
        env: { CC_GLM_REQUIRED_BASELINE: required },
      });
    const refused = start('r', 'deadbeef');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `ccglm: baseline gate failed: reason=required_commit_missing required=deadbeef runtime=${base} worktree=${repo}\ndetails: required commit not found in repo\n`,
    );
    expect(fs.existsSync(path.join(box.logDir, 'r.meta'))).toBe(false);
    expect(start('g', base)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^started beads=g /),
    });
  });
});

describe('stop and restart', () => {
  it('runner: `stopped ID (pid=N, killed)` and outcome state=killed; again: `job ID already not running (pid=N)` (0); restart: `restarted beads=ID pid=N retries=1 log=… pty=false`, the old log kept as ID.log.1', async () => {
    const env = { FAKE_CLAUDE_SLEEP: '60' };
    const started = box.job(['start', '--beads', 's', '--prompt-file', prompt], { env });
    const pid = /pid=(\d+)/.exec(started.stdout)?.[1];
    await until(() => read(path.join(box.logDir, 's.log')).includes('fake claude'));
    const stop = box.job(['stop', '--beads', 's']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`^stopped s \\(pid=${pid}, killed\\) `));
    expect(read(path.join(box.logDir, 's.outcome'))).toMatch(/^state=killed$/m);
    expect(box.job(['stop', '--beads', 's'])).toEqual({
      code: 0,
      stdout: `job s already not running (pid=${pid})\n`,
      stderr: '',
    });
    const restart = box.job(['restart', '--beads', 's'], { env });
    expect(restart.code).toBe(0);
    expect(restart.stdout).toMatch(
      new RegExp(`^restarted beads=s pid=\\d+ retries=1 log=${box.logDir}/s\\.log pty=false\\n$`),
    );
    expect(read(path.join(box.logDir, 's.log.1'))).toContain('fake claude: working');
    expect(fs.existsSync(path.join(box.logDir, 's.outcome.1'))).toBe(true);
    expect(box.job(['stop', '--beads', 'nope']).code).toBe(1);
    expect(box.job(['restart']).code).toBe(2);
  });
  it('a job the shell runner started (its meta has no command= line) restarts with the headless agent', async () => {
    writeJob(box.logDir, 'old', {
      exitCode: 1,
      worktree: box.root,
      meta: `prompt_file=${prompt}\n`,
    });
    const run = box.job(['restart', '--beads', 'old']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^restarted beads=old pid=\d+ retries=1 /);
    await until(() => fs.existsSync(path.join(box.logDir, 'old.outcome')));
    expect(read(path.join(box.logDir, 'old.log'))).toContain('fake claude: working');
    expect(read(path.join(box.logDir, 'old.outcome'))).toMatch(/^state=success$/m);
  });
  it('runner: restart --preserve-contract refuses a changed model (exit 1, `Contract verification failed`)', async () => {
    box.job(['start', '--beads', 'c', '--prompt-file', prompt]);
    await until(() => fs.existsSync(path.join(box.logDir, 'c.outcome')));
    const run = box.job(['restart', '--beads', 'c', '--preserve-contract'], {
      env: { CC_GLM_MODEL: 'other-model' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Contract verification failed');
  });
});

describe('watchdog', () => {
  it('runner: `watchdog started: mode=… interval=60s stall=20m max-retries=1 once=true beads=all`, `=== watchdog iteration 1 at <utc> ===`, `[ID] health=…`, the action lines, `watchdog completed single iteration (--once)`', () => {
    writeJob(box.logDir, 'dead', { log: '' });
    writeJob(box.logDir, 'done', { exitCode: 0 });
    const observe = box.job(['watchdog', '--once', '--observe-only']);
    expect(observe.code).toBe(0);
    const lines = observe.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'watchdog started: mode=observe-only interval=60s stall=20m max-retries=1 once=true beads=all',
      'press Ctrl+C to stop',
      `hint: logs on ${os.hostname()} at ${box.logDir}`,
    ]);
    expect(lines[3]).toMatch(/^=== watchdog iteration 1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ===$/);
    expect(observe.stdout).toMatch(/^\[dead\] health=stalled /m);
    expect(observe.stdout).toContain('[dead] OBSERVE-ONLY: would restart but observing only\n');
    expect(observe.stdout).toMatch(/^\[done\] health=exited_ok /m);
    expect(lines.at(-1)).toBe('watchdog completed single iteration (--once)');
    const block = box.job(['watchdog', '--once', '--no-auto-restart', '--beads', 'dead']);
    expect(block.stdout).toContain('[dead] NO-AUTO-RESTART: stalled but restart disabled\n');
    expect(read(path.join(box.logDir, 'dead.meta'))).toMatch(/^blocked_reason=no_auto_restart$/m);
    expect(box.job(['check', '--beads', 'dead']).code).toBe(3);
    // The runner announces the retry count before it blocks (or restarts: `restarting...`).
    writeJob(box.logDir, 'spent', { log: '' });
    expect(
      box.job(['watchdog', '--once', '--max-retries', '0', '--beads', 'spent']).stdout,
    ).toContain('[spent] stalled, retries=0/0\n[spent] BLOCKED: max retries (0) exhausted\n');
    // A pid file with no meta is skipped (`[ID] SKIP: no metadata file`), never restarted.
    fs.writeFileSync(path.join(box.logDir, 'stray.pid'), '999999\n');
    const skip = box.job(['watchdog', '--once', '--beads', 'stray']);
    expect(skip).toMatchObject({ code: 0, stderr: '' });
    expect(skip.stdout).toContain('\n[stray] SKIP: no metadata file\n');
    expect(fs.existsSync(path.join(box.logDir, 'stray.meta'))).toBe(false);
  });
  it('runner: no jobs prints `(no jobs found in <dir>)` and the empty-locality hints; bad --interval is usage (2)', () => {
    const empty = box.job(['watchdog', '--once']).stdout;
    expect(empty).toContain(`(no jobs found in ${box.logDir})\n`);
    expect(empty).toContain(`hint: local logs on ${os.hostname()} at ${box.logDir} are empty\n`);
    expect(box.job(['watchdog', '--once', '--log-dir', path.join(box.root, 'none')]).code).toBe(0);
    expect(box.job(['watchdog', '--once', '--interval', 'often'])).toMatchObject({ code: 2 });
  });
});
