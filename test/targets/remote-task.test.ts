import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Target } from '../../src/targets/config.js';
import {
  collect,
  fetchedRef,
  jobState,
  openPlace,
  pushBase,
  startTask,
  type RemotePlace,
} from '../../src/targets/remote-task.js';
import { initRepo } from '../run/helpers.js';
import { closeMux } from '../../src/targets/ssh.js';
import { installCcglm, sshdMissing, startSshd, type Sshd } from '../../scripts/sshd.mjs';

const missing = sshdMissing();

describe.skipIf(missing !== undefined)('a task on a target, over a real sshd on loopback', () => {
  let dir: string;
  let repo: string;
  let sshd: Sshd;
  let target: Target;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccglm-remote-'));
    repo = path.join(dir, 'app');
    initRepo(repo);
    sshd = await startSshd(dir, 'alpha');
    const shim = installCcglm(sshd.home);
    target = {
      name: 'alpha',
      ssh: 'alpha',
      transport: sshd.transport,
      workdir: "~/work dir/it's",
      enabled: true,
      ccglm: shim,
    };
  }, 60_000);

  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const waitFor = async (place: RemotePlace, task: Parameters<typeof jobState>[1]) => {
    for (let i = 0; i < 150; i += 1) {
      const state = await jobState(place, task);
      if (state !== undefined && state.state !== 'running' && state.state !== 'starting')
        return state;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the remote job did not end');
  };

  test('base pushed, job run detached there, a dropped connection loses nothing, the work fetched back', async () => {
    const mux = path.join(dir, 'mux');
    mkdirSync(mux, { mode: 0o700 });
    const task = { jobId: 'demo--T1', repoName: 'app', branch: 'feature-demo--T1' };
    const place = await openPlace(target, mux, [task.repoName]);
    expect(place.root).toBe(path.join(sshd.home, 'work dir', "it's"));
    const base = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    await pushBase(place, task, repo, base);

    // Shell metacharacters in what the agent writes and in the commit message reach it as words.
    const text = "it's $(touch INJECTED) `id` ; rm -rf /";
    await startTask(place, task, {
      prompt: 'Write the file.',
      agent: ['sh', '-c', 'sleep 2; printf %s "$1" > "out file.txt"', 'sh', text],
    });
    // A session open while the connections drop: it dies, the detached job does not.
    const session = spawn(
      sshd.transport[0] as string,
      [...sshd.transport.slice(1), 'alpha', 'sleep 30'],
      {
        stdio: 'ignore',
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    sshd.dropConnections();
    await new Promise((resolve) => session.once('exit', resolve));

    const ended = await waitFor(place, task);
    expect(ended.state).toBe('exited_ok');
    await expect(startTask(place, task, { prompt: 'again', agent: ['true'] })).rejects.toThrow(
      /could not (make the worktree|start)/,
    );

    const tip = await collect(place, task, repo, {
      message: `T1: ${text}`,
      name: 'test',
      email: 'test@example.invalid',
    });
    const show = (spec: string) =>
      execFileSync('git', ['show', spec], { cwd: repo, encoding: 'utf8' });
    expect(show(`${fetchedRef(target, task)}:out file.txt`)).toBe(text);
    expect(
      execFileSync('git', ['log', '-1', '--format=%s%n%P', tip], { cwd: repo, encoding: 'utf8' }),
    ).toBe(`T1: ${text}\n${base}\n`);
    expect(existsSync(path.join(place.root, 'worktrees', task.jobId))).toBe(false);
    for (const where of [sshd.home, place.root, repo])
      expect(existsSync(path.join(where, 'INJECTED'))).toBe(false);

    // The shared connection: later calls reuse it; closing it leaves no ssh process behind.
    const timed = async (over: RemotePlace) => {
      const start = performance.now();
      for (let i = 0; i < 5; i += 1) await jobState(over, task);
      return (performance.now() - start) / 5;
    };
    const shared = await timed(place);
    const separate = await timed({ target, root: place.root });
    process.stderr.write(
      `job state over ssh: ${shared.toFixed(0)} ms on the shared connection, ${separate.toFixed(0)} ms with a new one each\n`,
    );
    await closeMux(target, mux);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(
      `ControlPath=${mux}`,
    );
  }, 90_000);
});
