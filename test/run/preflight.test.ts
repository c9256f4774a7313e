import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fakeClaudeBin,
  makeSandbox,
  plan,
  planTask,
  processesLeft,
  processesOf,
  runArgs,
  runsOf,
  runSync,
  runWith,
  sandboxEnv,
  spawnRun,
  statuses,
  waitForEvents,
  type Sandbox,
} from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

const twoWaves = plan([planTask('T1', []), planTask('T2', []), planTask('T3', ['T1', 'T2'])]);

/** The CLI run with the `claude` agent (a fake one on PATH) instead of --agent-cmd. */
function claudeArgs(sb: Sandbox, extra: string[] = []): string[] {
  const args = runArgs(sb, extra);
  args.splice(args.indexOf('--agent-cmd'), 2, '--agent', 'claude');
  return args;
}

/** PATH with the sandbox's fake `claude`, node and the system's tools: no real claude or op. */
function claudeEnv(sb: Sandbox, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const PATH = [fakeClaudeBin(sb), path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
  return sandboxEnv(sb, { PATH, ...env });
}

/** `args` with `--name value` replaced (yargs would make a repeated option an array). */
function withOption(args: string[], name: string, value: string): string[] {
  const copy = [...args];
  copy.splice(copy.indexOf(name) + 1, 1, value);
  return copy;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

/** Nothing of a run was made: no worktree, log folder, run state, task branch; no agent started. */
async function expectNothingStarted(sb: Sandbox, planText: string): Promise<void> {
  expect(readFileSync(sb.plan, 'utf8')).toBe(planText);
  expect(existsSync(sb.worktrees)).toBe(false);
  expect(existsSync(sb.logDir)).toBe(false);
  expect(readdirSync(sb.home)).toEqual([]);
  expect(runsOf(sb)).toEqual({});
  expect(await processesLeft(sb)).toEqual([]);
}

const waitForExit = (child: ReturnType<typeof spawnRun>) =>
  new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

describe('ccglm run preflight: credentials and providers', () => {
  it('no credential at all: refused before anything starts, naming both ways to fix it', async () => {
    sandbox = makeSandbox(twoWaves);
    const result = runWith(claudeArgs(sandbox), claudeEnv(sandbox));
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'ccglm: cannot start: 1 check(s) failed; nothing was started and the plan was not changed',
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        /^FAIL credentials: no credential: no z\.ai token \(the 1Password CLI \(op\) is not on PATH.*\) and no Anthropic credential \(ANTHROPIC_API_KEY and CLAUDE_CODE_OAUTH_TOKEN are not set and Claude Code is not logged in .*\); fix: export ZAI_API_KEY='…' \(z\.ai, glm-5\), or export ANTHROPIC_API_KEY='…' or log in to Claude Code/,
      ),
    ]);
    await expectNothingStarted(sandbox, twoWaves);
    expect(git(sandbox.repo, 'branch', '--format=%(refname:short)')).toBe('main');
  });

  it('ANTHROPIC_API_KEY and no z.ai token: anthropic, no base-URL or model override', async () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const env = claudeEnv(sandbox, {
      ANTHROPIC_API_KEY: 'sk-test-not-printed',
      CC_GLM_MODEL: 'glm-5',
    });
    const check = runWith(claudeArgs(sandbox, ['--check']), env);
    expect(check.status).toBe(0);
    expect(check.stderr).toContain(
      "PASS credentials: provider anthropic (auto-detected): Claude Code's own endpoint, Claude Code's default model, credential env:ANTHROPIC_API_KEY\n",
    );
    const result = runWith(claudeArgs(sandbox), env);
    expect(result.stderr).toMatch(/T1 +Completed/);
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('sk-test-not-printed');
    const seen = JSON.parse(readFileSync(path.join(sandbox.marks, 'T1.env.json'), 'utf8')) as {
      argv: string[];
      env: Record<string, string>;
    };
    expect(seen.argv).toEqual(['--dangerously-skip-permissions', '-p', '--output-format', 'text']);
    // The user's own key, as it was; nothing of z.ai's routing.
    expect(seen.env).toEqual({
      ANTHROPIC_API_KEY: 'sk-test-not-printed',
      CC_GLM_MODEL: 'glm-5',
      CCGLM_PROVIDER: 'anthropic',
    });
    expect(runsOf(sandbox)).toEqual({ T1: 1 });
    expect(await processesLeft(sandbox)).toEqual([]);
    // A z.ai token set up since: a --resume still goes on with the provider its run started with.
    const resumed = runWith(claudeArgs(sandbox, ['--check', '--resume']), {
      ...env,
      ZAI_API_KEY: 'zk',
    });
    expect(resumed.stderr).toContain('PASS credentials: provider anthropic (as the resumed run): ');
  });

  it('--check names the provider and source: z.ai token, Claude Code login, --provider', () => {
    sandbox = makeSandbox(plan([planTask('T1', [])]));
    const sb = sandbox;
    const check = (extra: string[], env: Record<string, string>) =>
      runWith(claudeArgs(sb, ['--check', ...extra]), claudeEnv(sb, env));
    const zai = check([], { ZAI_API_KEY: 'zk', ANTHROPIC_API_KEY: 'ak' });
    expect(zai.status).toBe(0);
    expect(zai.stderr).toContain(
      'PASS credentials: provider zai (auto-detected): https://api.z.ai/api/anthropic, model glm-5, token from env:ZAI_API_KEY\n',
    );
    const login = path.join(sb.home, '.claude', '.credentials.json');
    mkdirSync(path.dirname(login));
    writeFileSync(login, JSON.stringify({ claudeAiOauth: { accessToken: 'oat-secret' } }));
    const loggedIn = check([], {});
    expect(loggedIn.stderr).toContain(`credential claude-login:${login}\n`);
    expect(loggedIn.stderr).not.toContain('oat-secret');
    // Asked for z.ai: its token is needed even though Claude Code is logged in.
    const forced = check(['--provider', 'zai'], {});
    expect(forced.status).toBe(78);
    expect(forced.stderr).toMatch(/^FAIL credentials: no z\.ai token \(/m);
    // A z.ai source set on purpose that fails is not silently replaced by Anthropic.
    const broken = check([], { CC_GLM_TOKEN_FILE: path.join(sb.dir, 'missing') });
    expect(broken.status).toBe(78);
    expect(broken.stderr).toContain(
      `FAIL credentials: no z.ai token (Token file not found: ${path.join(sb.dir, 'missing')} (from CC_GLM_TOKEN_FILE)); fix: correct that source`,
    );
    expect(readdirSync(sb.home)).toEqual(['.claude']);
  });
});

describe('a task meant for another machine', () => {
  it('is never run here: an undeclared target is refused by the preflight (exit 78), nothing starts', async () => {
    const text = twoWaves.replace('- **repo**: app\n', '- **repo**: app\n- **target**: macmini\n');
    sandbox = makeSandbox(text);
    const result = runSync(sandbox, []);
    expect(result.status).toBe(78);
    expect(result.stderr).toContain(
      `FAIL target macmini: T1 (${sandbox.plan}:${text.split('\n').indexOf('- **target**: macmini') + 1}) is to run there, but no ccglm.config.json (in the plan's folder or above) declares targets; fix: declare macmini under "targets" there, or set the task's target to local`,
    );
    await expectNothingStarted(sandbox, text);
  });
});

describe('ccglm run --check', () => {
  it('prints every check, PASS or FAIL, and changes nothing', async () => {
    sandbox = makeSandbox(twoWaves);
    const sb = sandbox;
    const result = runSync(sb, ['--check']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    const head = git(sb.repo, 'rev-parse', '--short=7', 'HEAD');
    expect(result.stderr).toBe(
      [
        `PASS plan ${sb.plan}: 3 task(s) in 2 wave(s)`,
        `PASS lock: no other run of ${sb.plan}`,
        'PASS earlier run: no jobs left behind',
        'PASS branch names: git accepts feature-test, feature-test--T1',
        `PASS repository app (${sb.repo}): at ${head}`,
        `PASS repository app (${sb.repo}): commits and merges as test <test@example.invalid>`,
        `PASS branch feature-test in app (${sb.repo}): no other plan's run merges into it; not checked out`,
        `PASS worktree root ${sb.worktrees}: writable (${sb.dir} is)`,
        `PASS log dir ${sb.logDir}: writable (${sb.dir} is)`,
        `PASS state folder ${sb.home}/.local/state/ccglm: writable (${sb.home} is)`,
        'PASS agent custom: /bin/sh',
        'PASS credentials: none needed by agent custom',
        '',
      ].join('\n'),
    );
    await expectNothingStarted(sb, twoWaves);
  });
});

describe('ccglm run preflight: a repo name with a typo', () => {
  it('names the folder it probably meant', () => {
    sandbox = makeSandbox(twoWaves.replaceAll('**repo**: app', '**repo**: ap'));
    const result = runSync(sandbox);
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('(repo ap; did you mean app?)');
  });
});

describe('ccglm run preflight: folders', () => {
  it('a state folder that cannot be made (XDG_STATE_HOME under a file): refused, nothing changed', async () => {
    sandbox = makeSandbox(twoWaves);
    const sb = sandbox;
    const file = path.join(sb.dir, 'not-a-folder');
    writeFileSync(file, '');
    const result = runSync(sb, [], { XDG_STATE_HOME: path.join(file, 'state') });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain(
      `FAIL state folder ${file}/state/ccglm: ${file} is not a folder; fix: remove it, or set XDG_STATE_HOME to a folder\n`,
    );
    await expectNothingStarted(sb, twoWaves);
  });
});

describe('ccglm run preflight: statuses an editor undid', () => {
  it('tasks the last run completed that the plan says Not Started now: refused, naming them and --only; with --only they run again', async () => {
    sandbox = makeSandbox(twoWaves);
    const sb = sandbox;
    expect(runSync(sb).status).toBe(0);
    // An editor's buffer opened before that run, saved after it.
    writeFileSync(sb.plan, twoWaves);
    const refused = runSync(sb);
    expect(refused.status).toBe(78);
    expect(refused.stderr).toContain(
      `FAIL plan: T1, T2, T3 were Completed by an earlier run of ${sb.plan}, but the plan says Not Started now (an editor's save of a copy opened before that run?); fix: set them Completed again in the plan, or to run them again: ccglm run ${sb.plan} --only T1,T2,T3\n`,
    );
    expect(readFileSync(sb.plan, 'utf8')).toBe(twoWaves);
    expect(runSync(sb, ['--only', 'T1,T2,T3']).status).toBe(0);
  });
});

describe('ccglm run preflight: git', () => {
  it('a repository without a commit, and no git identity: refused, nothing changed, no agent', async () => {
    sandbox = makeSandbox(twoWaves);
    const sb = sandbox;
    // `app` again, now with no commit and no identity of its own; and none in HOME or the system.
    const empty = path.join(sb.dir, 'fresh');
    mkdirSync(empty);
    git(empty, 'init', '-q', '-b', 'main');
    const text = twoWaves.replaceAll('**repo**: app', '**repo**: fresh');
    writeFileSync(sb.plan, text);
    const env = sandboxEnv(sb, {
      GIT_CONFIG_NOSYSTEM: '1',
      EMAIL: '',
      GIT_AUTHOR_NAME: '',
      GIT_AUTHOR_EMAIL: '',
      GIT_COMMITTER_NAME: '',
      GIT_COMMITTER_EMAIL: '',
    });
    const result = runWith(runArgs(sb), env);
    expect(result.status).toBe(78);
    expect(result.stderr).toContain(
      `FAIL repository fresh (${empty}): no commit yet (ccglm branches from HEAD); fix: make one: git -C ${empty} commit --allow-empty -m init\n`,
    );
    expect(result.stderr).toMatch(
      new RegExp(
        `FAIL repository fresh \\(${empty}\\): no git identity for commits and merges \\(.+\\); fix: git config --global user.name 'Your Name' && git config --global user.email you@example.com\\n`,
      ),
    );
    expect(result.stderr).toContain('2 check(s) failed');
    await expectNothingStarted(sb, text);
    expect(git(empty, 'for-each-ref')).toBe('');
    // With a commit (and still no identity): only the identity fails.
    git(
      empty,
      '-c',
      'user.name=x',
      '-c',
      'user.email=x@example.invalid',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'init',
    );
    const again = runWith(runArgs(sb), env);
    expect(again.status).toBe(78);
    expect(again.stderr).toContain('1 check(s) failed');
    expect(again.stderr).toContain('no git identity');
    await expectNothingStarted(sb, text);
    expect(git(empty, 'branch', '--format=%(refname:short)')).toBe('main');
  });
});

describe('ccglm run: one owner per plan', () => {
  it('a second run of the plan with another --log-dir refuses, naming the owner pid', async () => {
    sandbox = makeSandbox(twoWaves);
    const sb = sandbox;
    const first = spawnRun(sb, [], { FAKE_SLEEP_MS: '1500' });
    const exited = waitForExit(first);
    await waitForEvents(first, 'task.start', 2);
    const otherLogs = path.join(sb.dir, 'other-jobs');
    const args = withOption(
      withOption(runArgs(sb), '--log-dir', otherLogs),
      '--worktree-root',
      path.join(sb.dir, 'wt2'),
    );
    const second = runWith(args, sandboxEnv(sb));
    expect(second.status).toBe(78);
    expect(second.stderr).toContain(
      `FAIL lock: ${sb.plan} is already being run by ccglm (pid ${first.pid}, since `,
    );
    expect(second.stderr).toContain(
      `jobs in ${sb.logDir}); wait for it, or stop it: Ctrl-C in its terminal or kill -INT ${first.pid}`,
    );
    expect(existsSync(otherLogs)).toBe(false);
    expect(existsSync(path.join(sb.dir, 'wt2'))).toBe(false);
    expect(await exited).toBe(0);
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1 });
    expect(await processesLeft(sb)).toEqual([]);
  });

  it('after Ctrl-C (its jobs stopped and recorded), a plain run goes ahead', async () => {
    sandbox = makeSandbox(twoWaves);
    const sb = sandbox;
    const first = spawnRun(sb, [], { FAKE_SLEEP_MS: '3000' });
    const exited = waitForExit(first);
    await waitForEvents(first, 'task.start', 2);
    first.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(statuses(sb.plan)).toEqual({ T1: 'Failed', T2: 'Failed', T3: 'Not Started' });
    const again = runSync(sb, [], { FAKE_SLEEP_MS: '0' });
    expect(again.stderr).not.toContain('FAIL');
    expect(again.status).toBe(0);
    expect(Object.values(statuses(sb.plan))).toEqual(['Completed', 'Completed', 'Completed']);
    expect(await processesLeft(sb)).toEqual([]);
  });

  it('after kill -9, a plain run refuses and names --resume; --resume finishes, each agent ran once', async () => {
    sandbox = makeSandbox(twoWaves);
    const sb = sandbox;
    const first = spawnRun(sb, [], { FAKE_SLEEP_MS: '2500' });
    const exited = waitForExit(first);
    await waitForEvents(first, 'task.start', 2);
    first.kill('SIGKILL');
    await exited;
    // The scan sees what is left: the dead run's job host and its two agents.
    expect(processesOf(sb).length).toBeGreaterThanOrEqual(3);
    const before = readFileSync(sb.plan, 'utf8');
    // Another log folder too: the dead run's state is found by the plan, not by --log-dir.
    const otherLogs = path.join(sb.dir, 'other-jobs');
    for (const args of [runArgs(sb), withOption(runArgs(sb), '--log-dir', otherLogs)]) {
      const plain = runWith(args, sandboxEnv(sb));
      expect(plain.status).toBe(78);
      expect(plain.stderr).toMatch(
        /^FAIL earlier run: a run of .* that ended without finishing left the jobs of T1, T2 \(running, or ended and not merged\); a plain run would start them again; fix: ccglm run --resume /m,
      );
      expect(plain.stderr).toContain(`fix: ccglm run --resume ${sb.plan}`);
      expect(readFileSync(sb.plan, 'utf8')).toBe(before);
    }
    expect(existsSync(otherLogs)).toBe(false);
    const wrongLogs = runWith(
      withOption(runArgs(sb, ['--resume']), '--log-dir', otherLogs),
      sandboxEnv(sb),
    );
    expect(wrongLogs.status).toBe(78);
    expect(wrongLogs.stderr).toContain(`fix: ccglm run --resume ${sb.plan} --log-dir ${sb.logDir}`);
    const resumed = runSync(sb, ['--resume'], { FAKE_SLEEP_MS: '100' });
    expect(resumed.status).toBe(0);
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1 });
    expect(Object.values(statuses(sb.plan))).toEqual(['Completed', 'Completed', 'Completed']);
    // Finished: a plain run is welcome again (and has nothing to do).
    expect(runSync(sb).status).toBe(0);
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1, T3: 1 });
    expect(await processesLeft(sb)).toEqual([]);
  });
});
