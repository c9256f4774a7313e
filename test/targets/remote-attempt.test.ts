import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Target } from '../../src/targets/config.js';
import {
  attachRemoteAttempt,
  collectRemote,
  startRemoteAttempt,
  stopRemote,
  waitRemote,
  type RemoteAttempt,
  type WaitRemoteOptions,
} from '../../src/targets/remote-attempt.js';
import { fetchedRef } from '../../src/targets/remote-task.js';
import { closeMux } from '../../src/targets/ssh.js';
import { initRepo } from '../run/helpers.js';
import { installCcglm, sshdMissing, startSshd, type Sshd } from '../../scripts/sshd.mjs';

const missing = sshdMissing();

/**
 * The fake agent there: appends a line to `starts` (each start counts), waits for `go` (the test
 * decides when it ends), writes its text to `out file.txt` and commits it.
 */
const AGENT = [
  'echo started >> "$1"',
  // Bounded: an agent of a failed test does not wait forever.
  'n=0; while [ ! -e "$2" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done',
  'printf %s "$3" > "out file.txt"',
  'git add -A && git -c user.name=agent -c user.email=agent@example.invalid commit -q -m "agent: $3"',
].join('\n');

// Shell metacharacters in what crosses to the target: paths, prompt, agent words, commit message.
const TEXT = 'it\'s $(touch INJECTED) `touch INJECTED` ; rm -rf / && echo "$HOME"';
const small = { pollMs: 100, missingGraceMs: 5000 };
const backoff = { firstMs: 100, maxMs: 400, budgetMs: 30_000 };
const identity = { name: 'test', email: 'test@example.invalid' };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (up to ~10 s) until `done()`; returns its last answer. */
async function until(done: () => boolean, stepMs = 100): Promise<boolean> {
  for (let i = 0; i < 10_000 / stepMs && !done(); i += 1) await pause(stepMs);
  return done();
}

describe.skipIf(missing !== undefined)(
  'one attempt on a target, from start to outcome, over a real sshd',
  () => {
    let dir: string;
    let repo: string;
    let base: string;
    let alpha: Sshd;
    let beta: Sshd;
    const targets: Record<string, Target> = {};
    let muxes = 0;
    const newMux = () => {
      const mux = path.join(dir, `m${(muxes += 1)}`);
      mkdirSync(mux, { mode: 0o700 });
      return mux;
    };
    /** Where the fake agent of `jobId` on `sshd` counts its starts and waits for its go. */
    const files = (sshd: Sshd, jobId: string) => ({
      starts: path.join(sshd.home, `starts ${jobId}`),
      go: path.join(sshd.home, `go ${jobId}`),
    });
    const starts = (sshd: Sshd, jobId: string) =>
      existsSync(files(sshd, jobId).starts)
        ? readFileSync(files(sshd, jobId).starts, 'utf8').split('\n').length - 1
        : 0;
    const go = (sshd: Sshd, jobId: string) => writeFileSync(files(sshd, jobId).go, '');

    const start = async (sshd: Sshd, jobId: string, mux: string) => {
      const { starts: count, go: wait } = files(sshd, jobId);
      const result = await startRemoteAttempt(
        targets[sshd.host] as Target,
        { jobId, repoName: 'app', branch: `ccglm/${jobId}` },
        {
          localRepo: repo,
          base,
          prompt: `Do it: ${TEXT}`,
          agent: ['sh', '-c', AGENT, 'sh', count, wait, TEXT],
          mux,
        },
      );
      if (result.kind !== 'started' || result.uncertain !== undefined)
        throw new Error(`not started: ${JSON.stringify(result)}`);
      return result.attempt;
    };
    /** Starts the attempt and its wait, which counts its retries; gives the wait 300 ms first. */
    const following = async (sshd: Sshd, jobId: string, options: WaitRemoteOptions = {}) => {
      const mux = newMux();
      const attempt = await start(sshd, jobId, mux);
      let retries = 0;
      const onRetry = () => (retries += 1);
      const waiting = waitRemote(attempt, { ...small, backoff, onRetry, ...options });
      await pause(300);
      return { mux, attempt, waiting, retries: () => retries };
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });

    /** Collects the attempt and merges its branch into main here; returns the merged file's text. */
    const collectAndMerge = async (attempt: RemoteAttempt) => {
      const collected = await collectRemote(
        attempt,
        repo,
        { message: `T: ${TEXT}`, ...identity },
        { backoff },
      );
      if (collected.kind !== 'collected') throw new Error(JSON.stringify(collected));
      expect(existsSync(path.join(attempt.place.root, 'worktrees', attempt.task.jobId))).toBe(
        false,
      );
      git(
        'merge',
        '-q',
        '--no-ff',
        '-m',
        `merge ${attempt.task.jobId}`,
        fetchedRef(attempt.place.target, attempt.task),
      );
      return git('show', `HEAD:out file.txt`);
    };

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'ccglm-attempt-'));
      repo = path.join(dir, 'app');
      initRepo(repo);
      base = git('rev-parse', 'HEAD').trim();
      [alpha, beta] = await Promise.all([startSshd(dir, 'alpha'), startSshd(dir, 'beta')]);
      // Two targets with their own HOME and workdir: nothing shared by accident.
      const workdirs = { alpha: "~/work dir/it's $(touch INJECTED)", beta: '~/ccglm-work' };
      for (const sshd of [alpha, beta])
        targets[sshd.host] = {
          name: sshd.host,
          ssh: sshd.host,
          transport: sshd.transport,
          workdir: workdirs[sshd.host as keyof typeof workdirs],
          enabled: true,
          ccglm: installCcglm(sshd.home, "cc glm 'x'"),
        };
    }, 60_000);

    afterAll(async () => {
      const made = Array.from({ length: muxes }, (_, i) => path.join(dir, `m${i + 1}`));
      await Promise.all(
        Object.values(targets).flatMap((target) => made.map((mux) => closeMux(target, mux))),
      );
      for (const sshd of [alpha, beta]) {
        sshd?.dropConnections(); // while the listener lives: its session children are its own
        await sshd?.stop();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    test('started once, followed to its end, its commit fetched and merged here; a second start is refused', async () => {
      const mux = newMux();
      const attempt = await start(alpha, 'p--T1', mux);
      expect(attempt.place.root).toBe(path.join(alpha.home, 'work dir', "it's $(touch INJECTED)"));
      expect(attempt.record).toMatchObject({
        target: 'alpha',
        jobId: 'p--T1',
        attempt: 1,
        runId: expect.stringMatching(/^p--T1-/),
      });
      await expect(start(alpha, 'p--T1', mux)).rejects.toThrow(
        /attempt 1 of p--T1 was started there before/,
      );
      go(alpha, 'p--T1');
      const end = await waitRemote(attempt, { ...small, backoff });
      expect(end).toMatchObject({
        kind: 'ended',
        outcome: { state: 'success', exit_code: 0, run_id: attempt.record.runId },
      });
      expect(starts(alpha, 'p--T1')).toBe(1);
      expect(await collectAndMerge(attempt)).toBe(TEXT);
      expect(git('log', '-1', '--format=%s', 'HEAD^2')).toBe(`agent: ${TEXT}\n`);
      // Its worktree is gone now, and the job ended: only the claim refuses attempt 1 again.
      await expect(start(alpha, 'p--T1', mux)).rejects.toThrow(
        /attempt 1 of p--T1 was started there before/,
      );
      expect(starts(alpha, 'p--T1')).toBe(1);
      const second = await startRemoteAttempt(targets['alpha'] as Target, attempt.task, {
        localRepo: repo,
        base,
        prompt: 'again',
        attempt: 2,
        agent: [
          'sh',
          '-c',
          AGENT,
          'sh',
          files(alpha, 'p--T1').starts,
          files(alpha, 'p--T1').go,
          'two',
        ],
        mux,
      });
      expect(second.kind === 'started' && second.attempt.record.runId).not.toBe(
        attempt.record.runId,
      );
      expect(starts(alpha, 'p--T1')).toBe(2);
      for (const where of [alpha.home, attempt.place.root, repo])
        expect(existsSync(path.join(where, 'INJECTED'))).toBe(false);
      await closeMux(attempt.place.target, mux);
    }, 60_000);

    test('connections dropped, then sshd down and up again mid-task: the wait reconnects, the agent ran once', async () => {
      const { mux, attempt, waiting, retries } = await following(beta, 'p--T2');
      beta.dropConnections(); // sshd's session children, the shared connection's among them
      await beta.stop();
      await closeMux(attempt.place.target, mux); // what the dropped connection would have done
      expect(await until(() => retries() >= 3)).toBe(true);
      await beta.start();
      go(beta, 'p--T2');
      expect(await waiting).toMatchObject({
        kind: 'ended',
        outcome: { state: 'success', exit_code: 0 },
      });
      expect(starts(beta, 'p--T2')).toBe(1);
      expect(await collectAndMerge(attempt)).toBe(TEXT);
      await closeMux(attempt.place.target, mux);
    }, 60_000);

    test('a connection that hangs: the call times out, a new connection replaces it, the outcome is read', async () => {
      const { mux, attempt, waiting, retries } = await following(alpha, 'p--T7', {
        callTimeoutMs: 1500,
      });
      alpha.freezeConnections(true);
      try {
        expect(await until(() => retries() >= 1)).toBe(true);
        go(alpha, 'p--T7');
        expect(await waiting).toMatchObject({ kind: 'ended', outcome: { state: 'success' } });
      } finally {
        alpha.freezeConnections(false);
      }
      expect(starts(alpha, 'p--T7')).toBe(1);
      await closeMux(attempt.place.target, mux);
    }, 60_000);

    test('after a local crash, the attempt attached from its record alone is followed without a second start', async () => {
      const attempt = await start(alpha, 'p--T3', newMux());
      const record = JSON.parse(JSON.stringify(attempt.record)) as typeof attempt.record;
      await closeMux(attempt.place.target, attempt.place.mux as string); // the dead run's connection
      const again = attachRemoteAttempt(targets['alpha'] as Target, record, newMux());
      expect(() => attachRemoteAttempt(targets['beta'] as Target, record)).toThrow(
        /ran on target alpha, not beta/,
      );
      go(alpha, 'p--T3');
      expect(await waitRemote(again, { ...small, backoff })).toMatchObject({
        kind: 'ended',
        outcome: { state: 'success' },
      });
      expect(starts(alpha, 'p--T3')).toBe(1);
      expect(await collectAndMerge(again)).toBe(TEXT);
    }, 60_000);

    test('the connection lost while the job starts: the start is not repeated, the job is followed', async () => {
      // A ccglm there slow to start a job: the connection drops before the job runs or it answers.
      const real = installCcglm(alpha.home, 'ccglm-real');
      const slow = path.join(alpha.home, 'bin', 'ccglm-slow');
      writeFileSync(
        slow,
        `#!/bin/sh\nif [ "$2" = start ]; then touch "$HOME/in start"; sleep 2; fi\nexec ${JSON.stringify(real)} "$@"\n`,
        { mode: 0o755 },
      );
      const target = { ...(targets['alpha'] as Target), ccglm: slow };
      // Attempt 1 ran to its end: its outcome is still there when attempt 2 starts.
      const first = await start(alpha, 'p--T6', newMux());
      go(alpha, 'p--T6');
      const firstEnd = await waitRemote(first, { ...small, backoff });
      expect(firstEnd).toMatchObject({ kind: 'ended', outcome: { run_id: first.record.runId } });
      expect(await collectRemote(first, repo, { message: 'T6', ...identity })).toMatchObject({
        kind: 'collected',
      });
      const go2 = `${files(alpha, 'p--T6').go} 2`;
      const starting = startRemoteAttempt(target, first.task, {
        localRepo: repo,
        base,
        prompt: 'x',
        attempt: 2,
        agent: ['sh', '-c', AGENT, 'sh', files(alpha, 'p--T6').starts, go2, TEXT],
        mux: newMux(),
      });
      await until(() => existsSync(path.join(alpha.home, 'in start')), 50);
      alpha.dropConnections();
      const result = await starting;
      expect(result).toMatchObject({
        kind: 'started',
        uncertain: expect.stringMatching(/^target alpha unreachable while it start/),
      });
      if (result.kind !== 'started') return;
      expect(result.attempt.record.runId).toBeUndefined();
      // Attempt 1's outcome is older than attempt 2's claim: not taken for attempt 2's end.
      const waiting = waitRemote(result.attempt, { ...small, backoff });
      const early = await Promise.race([
        waiting,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 1500)),
      ]);
      expect(early).toBe('still running');
      writeFileSync(go2, '');
      const end = await waiting;
      expect(end).toMatchObject({ kind: 'ended', outcome: { state: 'success' } });
      expect(end.kind === 'ended' && end.outcome.run_id).not.toBe(first.record.runId);
      expect(starts(alpha, 'p--T6')).toBe(2); // once per attempt
    }, 60_000);

    test('a target down for good: the wait ends unreachable after its budget; back up, the job is stopped there', async () => {
      const mux = newMux();
      const attempt = await start(beta, 'p--T4', mux);
      beta.dropConnections();
      await beta.stop();
      const began = Date.now();
      const end = await waitRemote(attempt, { ...small, backoff: { ...backoff, budgetMs: 1500 } });
      expect(end.kind).toBe('unreachable');
      expect(end.kind === 'unreachable' && end.reason).toMatch(
        /^unreachable for \d+ s after \d+ tries: .*(refused|closed)/i,
      );
      expect(Date.now() - began).toBeLessThan(10_000);
      // Nothing starts on a target that cannot be reached.
      const refused = await startRemoteAttempt(
        targets['beta'] as Target,
        { jobId: 'p--T5', repoName: 'app', branch: 'ccglm/p--T5' },
        { localRepo: repo, base, prompt: 'x', agent: ['true'], mux },
      );
      expect(refused).toMatchObject({
        kind: 'unreachable',
        reason: expect.stringMatching(/^target beta unreachable/),
      });
      expect(starts(beta, 'p--T4')).toBe(1); // it ran on meanwhile, detached
      const brief = { backoff: { ...backoff, budgetMs: 500 } };
      const commit = { message: 'T4', ...identity };
      expect(await stopRemote(attempt, brief)).toMatchObject({ kind: 'unreachable' });
      expect(await collectRemote(attempt, repo, commit, brief)).toMatchObject({
        kind: 'unreachable',
        reason: expect.stringMatching(/^unreachable for \d+ s after \d+ tries: /),
      });
      await beta.start();
      expect(await stopRemote(attempt, { backoff })).toMatchObject({
        kind: 'stopped',
        message: expect.stringMatching(/^stopped p--T4/),
      });
      expect(await waitRemote(attempt, { ...small, backoff })).toMatchObject({
        kind: 'ended',
        outcome: { state: 'killed' },
      });
      expect(starts(beta, 'p--T4')).toBe(1);
      // What the stopped agent left uncommitted there is committed and fetched, not lost.
      const worktree = path.join(attempt.place.root, 'worktrees', 'p--T4');
      writeFileSync(path.join(worktree, 'half done.txt'), 'half');
      const collected = await collectRemote(attempt, repo, commit, { backoff });
      expect(collected.kind).toBe('collected');
      expect(git('show', `${fetchedRef(attempt.place.target, attempt.task)}:half done.txt`)).toBe(
        'half',
      );
      expect(existsSync(worktree)).toBe(false);
      await closeMux(attempt.place.target, mux);
    }, 60_000);

    test('an attempt whose job is not there is lost after the grace (nothing is started for it)', async () => {
      const attempt = attachRemoteAttempt(targets['alpha'] as Target, {
        target: 'alpha',
        root: path.join(alpha.home, 'work dir', "it's $(touch INJECTED)"),
        jobId: 'p--T9',
        repoName: 'app',
        branch: 'ccglm/p--T9',
        attempt: 1,
      });
      expect(await waitRemote(attempt, { ...small, missingGraceMs: 300 })).toEqual({
        kind: 'lost',
        reason: 'no job p--T9 on target alpha',
      });
      expect(starts(alpha, 'p--T9')).toBe(0);
    }, 30_000);
  },
);
