import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquirePlanLock, liveLockHolder } from '../src/run/lock.js';
import { RunStateFile, type RunState } from '../src/run/run-state.js';
import { metaJson } from '../src/jobs/meta-json.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccglm-shape-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const task = {
  jobId: 'p-T1-1',
  branch: 'feature-p--T1',
  base: 'abc',
  worktree: '/wt/p/T1/app',
  repo: 'app',
  repoPath: '/r/app',
  startedAt: 1,
  attempt: 1,
};

describe('JSON read from disk is checked, not cast', () => {
  it('a run state of the right shape is read; a malformed one counts as none', () => {
    const file = new RunStateFile(path.join(dir, 'state.json'));
    const state: RunState = {
      plan: '/p.md',
      planId: 'p',
      provider: 'zai',
      settings: {
        logDir: '/logs',
        worktreeRoot: '/wt',
        pty: false,
        strategy: 'eager',
        concurrency: 0,
        isolation: 'task',
      },
      tasks: { T1: { ...task, ended: true } },
    };
    file.save(state);
    expect(file.load()).toEqual(state);
    for (const bad of [
      { ...state, tasks: { T1: { ...task, startedAt: 'yesterday' } } },
      { ...state, provider: 'openai' },
      { ...state, settings: { ...state.settings, strategy: 'random' } },
      { plan: '/p.md', tasks: {} },
      [],
    ]) {
      writeFileSync(file.file, JSON.stringify(bad));
      expect(file.load()).toBeUndefined();
    }
    writeFileSync(file.file, '{"plan": ');
    expect(file.load()).toBeUndefined();
  });

  it('a malformed lock is no holder: the next run takes it over', () => {
    const lockFile = path.join(dir, 'p.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: 'one', host: 'here' }));
    expect(liveLockHolder(lockFile)).toBeUndefined();
    const lock = acquirePlanLock(lockFile, 'p.md', new Date(0));
    expect(liveLockHolder(lockFile)?.pid).toBe(process.pid);
    lock.release();
    expect(liveLockHolder(lockFile)).toBeUndefined();
  });
});

describe("a job's meta values", () => {
  it('are read when they have their shape; absent or empty is undefined; else an Error', () => {
    expect(metaJson({ command: '["claude","-p"]' }, 'command')).toEqual(['claude', '-p']);
    expect(metaJson({ job_env: '{"A":"1"}' }, 'job_env')).toEqual({ A: '1' });
    expect(metaJson({ headless: '{"provider":"zai","authCheck":true}' }, 'headless')).toEqual({
      provider: 'zai',
      authCheck: true,
    });
    expect(metaJson({}, 'command')).toBeUndefined();
    expect(metaJson({ job_env: '' }, 'job_env')).toBeUndefined();
    for (const [key, text] of [
      ['command', '"claude"'],
      ['command', '[1]'],
      ['job_env', '["A"]'],
      ['job_env', '{"A":null}'],
      ['headless', '{"model":7}'],
      ['headless', '{"provider":"openai"}'],
      ['headless', '{'],
    ] as const)
      expect(metaJson({ [key]: text }, key)).toBeInstanceOf(Error);
  });
});
