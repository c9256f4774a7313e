/**
 * `ccglm run` with tasks on targets, against real sshd servers on loopback (sshd.ts): two targets
 * with HOMEs and workdirs of their own, each running the demo agent there; the local tasks run the
 * tests' fake agent. Every remote task's branch is fetched back and merged here.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  bin,
  collect,
  exitOf,
  filesOn,
  makeSandbox,
  plan,
  planTask,
  runArgs,
  runSync,
  sandboxEnv,
  statuses,
  waitForEvents,
  type Sandbox,
} from '../run/helpers.js';
import { installCcglm, sshdMissing, startSshd, type Sshd } from '../../scripts/sshd.mjs';

/** A run here, its remote jobs looked at every 200 ms (the default 2 s only makes the tests wait). */
const run = (sb: Sandbox, args: string[] = [], env: Record<string, string> = {}) =>
  runSync(sb, args, { CCGLM_TARGET_POLL_MS: '200', ...env });

const missing = sshdMissing();
if (missing !== undefined) console.warn(`skipping ccglm run on targets: ${missing}`);

const onTarget = (task: string, target: string) =>
  task.replace('- **repo**: app\n', `- **repo**: app\n- **target**: ${target}\n`);

interface World {
  sb: Sandbox;
  alpha: Sshd;
  beta: Sshd;
  config: (targets: Record<string, Record<string, unknown>>) => void;
  target: (server: Sshd, extra?: Record<string, unknown>) => Record<string, unknown>;
  remoteJobs: (server: Sshd) => string[];
}

let world: World | undefined;
afterEach(async () => {
  await Promise.all([world?.alpha.stop(), world?.beta.stop()]);
  world?.sb.cleanup();
  world = undefined;
});

async function makeWorld(planText: string, demoDelayMs = 150, agent = 'demo'): Promise<World> {
  const sb = makeSandbox(planText);
  const servers = path.join(sb.dir, 'sshd');
  const env = { CCGLM_AGENT: agent, CCGLM_DEMO_DELAY_MS: String(demoDelayMs) };
  const alpha = await startSshd(servers, 'alpha', env);
  const beta = await startSshd(servers, 'beta', env);
  for (const server of [alpha, beta]) installCcglm(server.home);
  const target = (server: Sshd, extra: Record<string, unknown> = {}) => ({
    ssh: server.host,
    transport: server.transport,
    ccglm: path.join(server.home, 'bin', 'ccglm'),
    workdir: path.join(server.home, 'work'),
    ...extra,
  });
  const config = (targets: Record<string, Record<string, unknown>>) =>
    writeFileSync(path.join(sb.dir, 'ccglm.config.json'), JSON.stringify({ targets }));
  const remoteJobs = (server: Sshd) => {
    const logs = path.join(server.home, 'work', 'logs');
    return existsSync(logs) ? readdirSync(logs).filter((name) => name.endsWith('.meta')) : [];
  };
  world = { sb, alpha, beta, config, target, remoteJobs };
  return world;
}

const spread = plan([
  planTask('T1', []),
  onTarget(planTask('T2', []), 'alpha'),
  onTarget(planTask('T3', ['T1']), 'beta'),
  planTask('T4', ['T2', 'T3']),
]);

describe.skipIf(missing !== undefined)('ccglm run with tasks on targets (real sshd)', () => {
  test('a plan spread over local, alpha and beta completes with every commit merged', async () => {
    const { sb, alpha, beta, config, target, remoteJobs } = await makeWorld(spread);
    config({ alpha: target(alpha), beta: target(beta) });
    const checked = run(sb, ['--check']);
    expect(checked.stderr).toMatch(
      /^PASS target alpha: alpha ready \(ccglm .*\); T2 \(\S*test-plan\.md:\d+\) is to run there$/m,
    );
    expect(checked.stderr).toMatch(
      /^PASS target beta: beta ready \(ccglm .*\); T3 \(\S*test-plan\.md:\d+\) is to run there$/m,
    );
    const result = run(sb, ['--strategy', 'eager']);
    expect(result.status, result.stderr).toBe(0);
    expect(statuses(sb.plan)).toEqual({
      T1: 'Completed',
      T2: 'Completed',
      T3: 'Completed',
      T4: 'Completed',
    });
    // Every task's file is on the integration branch: the remote ones came back by git fetch.
    const files = filesOn(sb, 'feature-test');
    for (const id of ['T1', 'T2', 'T3', 'T4']) expect(files).toContain(`${id}.txt`);
    // One job per remote task, each on its own target; none ran here.
    expect(remoteJobs(alpha)).toHaveLength(1);
    expect(remoteJobs(beta)).toHaveLength(1);
    expect(readdirSync(sb.logDir).filter((name) => name.endsWith('.meta'))).toHaveLength(2);
    // Nothing is left in the targets' worktree folders: fetched, then removed there; the fetched
    // refs here went once merged.
    expect(readdirSync(path.join(alpha.home, 'work', 'worktrees'))).toEqual([]);
    // …and the task's branch there went with its worktree.
    const there = execFileSync('git', ['branch', '--list'], {
      cwd: path.join(alpha.home, 'work', 'repos', 'app'),
      encoding: 'utf8',
    });
    expect(there).toBe('');
    const refs = execFileSync('git', ['for-each-ref', 'refs/ccglm/'], {
      cwd: sb.repo,
      encoding: 'utf8',
    });
    expect(refs).toBe('');
    // `ccglm status` says where each task ran.
    const status = spawnSync(process.execPath, [bin, 'status', sb.plan], {
      encoding: 'utf8',
      env: sandboxEnv(sb),
    });
    expect(status.stdout).toMatch(/T2 +Completed .*1 commit\(s\), on alpha$/m);
    expect(status.stdout).toMatch(/T1 +Completed .*1 commit\(s\)$/m);
  }, 120_000);

  test('a rate limit there slows the run and starts the task again there, as one here does', async () => {
    const text = plan([onTarget(planTask('T1', []), 'alpha')]);
    const { sb, alpha, config, target, remoteJobs } = await makeWorld(text, 150, 'limited');
    // alpha's agent (its own ccglm.config.json there): rate limited on its first start, then works.
    const script = path.join(alpha.home, 'limited.sh');
    writeFileSync(
      script,
      [
        'if [ ! -e "$HOME/limited-once" ]; then',
        '  : > "$HOME/limited-once"',
        `  echo 'API Error: 429 {"type":"error","error":{"type":"rate_limit_error"}} retry_after=1'`,
        '  exit 1',
        'fi',
        'echo done > T1.txt',
        'echo "Summary: T1 done after the limit"',
        '',
      ].join('\n'),
    );
    mkdirSync(path.join(alpha.home, 'work'), { recursive: true });
    writeFileSync(
      path.join(alpha.home, 'work', 'ccglm.config.json'),
      JSON.stringify({ agents: { limited: { command: 'sh', args: [script] } } }),
    );
    config({ alpha: target(alpha) });
    const result = run(sb);
    expect(result.status, result.stderr).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed' });
    expect(filesOn(sb, 'feature-test')).toContain('T1.txt');
    // Two attempts there, the first one's limit read from its log there.
    expect(remoteJobs(alpha)).toHaveLength(2);
    const throttle = result.events.find((e) => e.type === 'run.throttle');
    // The agent's 429, as ccglm headless there says it.
    expect(throttle?.['reason']).toMatch(/^\[ccglm\] RATE_LIMITED retry_after=1 /);
    const restarts = result.events.filter((e) => e.type === 'task.restart');
    expect(restarts).toHaveLength(1);
    expect(restarts[0]?.reason).toMatch(/^rate limited: \[ccglm\] RATE_LIMITED /);
  }, 120_000);

  test('a disabled target is refused with what to run; its gate passing lets it run', async () => {
    const text = plan([planTask('T1', []), onTarget(planTask('T2', []), 'beta')]);
    const { sb, alpha, beta, config, target } = await makeWorld(text);
    const gate = 'test -f "$HOME/gate-ok" || { echo "no gate-ok" >&2; exit 1; }';
    config({ alpha: target(alpha), beta: target(beta, { enabled: false, gate }) });
    const refused = run(sb);
    expect(refused.status).toBe(78);
    expect(refused.stderr).toMatch(
      /^FAIL target beta: T2 \(\S*test-plan\.md:\d+\) is to run there; disabled until its gate passes; it failed: no gate-ok; fix: make `test -f .*` pass there \(ccglm targets check beta\)$/m,
    );
    expect(statuses(sb.plan)).toEqual({ T1: 'Not Started', T2: 'Not Started' });
    writeFileSync(path.join(beta.home, 'gate-ok'), '');
    const checked = run(sb, ['--check']);
    expect(checked.stderr).toMatch(
      /^PASS target beta: beta ready \(ccglm .*; disabled, its gate passed\); T2 \(\S*test-plan\.md:\d+\) is to run there$/m,
    );
    const ran = run(sb);
    expect(ran.status, ran.stderr).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
  }, 120_000);

  test('--target NAME runs the tasks that name no target there; a task naming local stays here', async () => {
    const text = plan([planTask('T1', []), onTarget(planTask('T2', ['T1']), 'local')]);
    const { sb, alpha, beta, config, target, remoteJobs } = await makeWorld(text);
    config({ alpha: target(alpha), beta: target(beta) });
    const unknown = run(sb, ['--target', 'nowhere', '--check']);
    expect(unknown.status).toBe(78);
    expect(unknown.stderr).toMatch(
      /^FAIL target nowhere: T1 is to run there, but .* declares no target nowhere \(declared: alpha, beta\)/m,
    );
    // The preview says where each task runs.
    const preview = run(sb, ['--target', 'alpha', '--dry-run']);
    expect(preview.stderr).toMatch(/· T1 +Task T1 +\(app, on alpha, 1 file\)/);
    expect(preview.stderr).toMatch(/· T2 +Task T2 +\(app, 1 file\)/);
    const result = run(sb, ['--target', 'alpha']);
    expect(result.status, result.stderr).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
    expect(remoteJobs(alpha)).toHaveLength(1);
    expect(readdirSync(sb.logDir).filter((name) => name.endsWith('.meta'))).toHaveLength(1);
    expect(filesOn(sb, 'feature-test')).toEqual(['README.md', 'T1.txt', 'T2.txt']);
  }, 120_000);

  test("a remote task's merge that conflicts: Failed with its fetched branch kept; a re-run retries the merge, not the agent", async () => {
    const text = plan([planTask('T1', []), onTarget(planTask('T2', []), 'alpha')]);
    const { sb, alpha, beta, config, target, remoteJobs } = await makeWorld(text);
    config({ alpha: target(alpha), beta: target(beta) });
    // T1 (here, done first) writes the file T2 (there) creates too.
    const env = { FAKE_FILE_T1: 'T2.txt' };
    const first = run(sb, [], env);
    expect(first.status).toBe(1);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Failed' });
    const failed = readFileSync(sb.plan, 'utf8');
    expect(failed).toContain('agent completed; merge failed: merge conflict in T2.txt');
    expect(failed).toMatch(/branch refs\/ccglm\/targets\/alpha\/\S+: 1 commit/);
    const again = run(sb, [], env);
    expect(again.status).toBe(1);
    expect(readFileSync(sb.plan, 'utf8')).toContain(
      'merge retried (the agent was not run again): failed again',
    );
    expect(remoteJobs(alpha)).toHaveLength(1);
  }, 120_000);

  test('an unreachable target fails the preflight: nothing starts anywhere', async () => {
    const { sb, alpha, beta, config, target } = await makeWorld(spread);
    config({ alpha: target(alpha), beta: target(beta) });
    await beta.stop();
    const result = run(sb);
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(
      /^FAIL target beta: T3 \(\S*test-plan\.md:\d+\) is to run there; unreachable: /m,
    );
    expect(existsSync(sb.logDir)).toBe(false);
  }, 120_000);

  test('a dropped connection and a killed run: --resume re-attaches and the agent ran once', async () => {
    const text = plan([planTask('T1', []), onTarget(planTask('T2', []), 'alpha')]);
    // The demo agent takes ~4 s there: time to drop its connection and kill the run.
    const { sb, alpha, beta, config, target, remoteJobs } = await makeWorld(text, 800);
    config({ alpha: target(alpha), beta: target(beta) });
    const env = { CCGLM_TARGET_POLL_MS: '200', CCGLM_TARGET_RETRY_BUDGET_MS: '20000' };
    const child = spawn(process.execPath, runArgs(sb), {
      env: sandboxEnv(sb, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForEvents(child, 'task.start', 2);
    alpha.dropConnections(); // the run's shared connection is cut: its job there runs on
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    await exitOf(child);
    expect(statuses(sb.plan)['T2']).toBe('In Progress');
    const resumed = run(sb, ['--resume'], env);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
    expect(filesOn(sb, 'feature-test')).toContain('T2.txt');
    expect(remoteJobs(alpha)).toHaveLength(1); // one job there: its agent was not started again
  }, 120_000);

  test('Ctrl-C stops the job there; a re-run starts the task again as a new attempt there', async () => {
    const text = plan([onTarget(planTask('T1', []), 'alpha')]);
    const { sb, alpha, beta, config, target, remoteJobs } = await makeWorld(text, 800);
    config({ alpha: target(alpha), beta: target(beta) });
    const child = spawn(process.execPath, runArgs(sb), {
      env: sandboxEnv(sb, { CCGLM_TARGET_POLL_MS: '200' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForEvents(child, 'task.start', 1);
    // Running there: `ccglm status` says where to look at its job.
    const status = spawnSync(process.execPath, [bin, 'status', sb.plan], {
      encoding: 'utf8',
      env: sandboxEnv(sb),
    });
    expect(status.stdout).toMatch(
      /T1 +In Progress .*on alpha \(ccglm job status --target alpha\), job \S+$/m,
    );
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(130);
    expect(statuses(sb.plan)).toEqual({ T1: 'Failed' });
    // Its worktree there (kept) has its own branch: the next attempt gets another.
    const again = run(sb);
    expect(again.status, again.stderr).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed' });
    expect(remoteJobs(alpha)).toHaveLength(2);
  }, 120_000);

  test('a target that goes away mid-task: its task is Blocked with the reason, the rest completes; back, --resume takes its work in', async () => {
    const text = plan([
      planTask('T1', []),
      onTarget(planTask('T2', []), 'alpha'),
      planTask('T3', ['T1']),
    ]);
    const { sb, alpha, beta, config, target, remoteJobs } = await makeWorld(text, 800);
    config({ alpha: target(alpha), beta: target(beta) });
    const env = { CCGLM_TARGET_POLL_MS: '200', CCGLM_TARGET_RETRY_BUDGET_MS: '3000' };
    const child = spawn(process.execPath, runArgs(sb), {
      env: sandboxEnv(sb, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForEvents(child, 'task.start', 2);
    const stderr = collect(child, 'stderr');
    // The listener and every connection (the run's shared one too) go away.
    await alpha.kill();
    expect(await exitOf(child), stderr()).toBe(1);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Blocked', T3: 'Completed' });
    const planText = execFileSync('cat', [sb.plan], { encoding: 'utf8' });
    expect(planText).toMatch(/target alpha unreachable|on target alpha: unreachable/);
    expect(planText).toContain('re-attaches to it');
    // The target is back: a plain run refuses (its job there may have ended well), --resume takes
    // that job's work in, and its agent ran once.
    await alpha.start();
    const plain = run(sb, [], env);
    expect(plain.status).toBe(78);
    expect(plain.stderr).toMatch(/fix: ccglm run --resume /);
    const resumed = run(sb, ['--resume'], env);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed', T3: 'Completed' });
    expect(filesOn(sb, 'feature-test')).toContain('T2.txt');
    expect(remoteJobs(alpha)).toHaveLength(1);
  }, 120_000);
});
