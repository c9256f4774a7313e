import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobHealth, startJob, waitForJobEnd } from '../../src/jobs/index.js';
import { ccglmBin } from '../../src/paths.js';
import { fake, makeJobDir, sleep } from './helpers.js';

let job: ReturnType<typeof makeJobDir>;
let worktree: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

beforeEach(() => {
  job = makeJobDir();
  const repo = path.join(job.logDir, 'repo');
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'base');
  worktree = path.join(job.logDir, 'wt');
  git(repo, 'worktree', 'add', '-q', '-b', 'feature', worktree);
});
afterEach(async () => job.cleanup());

describe('jobs in a git worktree (.git is a file)', () => {
  it('a silent job that changes files reads silent_mutation, not stalled', async () => {
    expect(fs.statSync(path.join(worktree, '.git')).isFile()).toBe(true);
    await startJob({
      id: 'm',
      logDir: job.logDir,
      promptFile: job.promptFile,
      worktree,
      command: ['sh', '-c', 'echo x > new-file.txt; exec sleep 600'],
    });
    await sleep(1200);
    expect(jobHealth(job.logDir, 'm', { stallSeconds: 1 })).toMatchObject({
      health: 'silent_mutation',
      reason_code: 'worktree_changed_no_output',
      mutation_count: 1,
    });
  });

  it('an agent that commits with a Feature-Key passes the feature-key gate of its job', async () => {
    await startJob({
      id: 'c',
      logDir: job.logDir,
      promptFile: job.promptFile,
      worktree,
      command: [fake('edit-and-commit')],
      env: { CCGLM_FEATURE_KEY: 'bd-9' },
    });
    expect(await waitForJobEnd(job.logDir, 'c')).toMatchObject({
      kind: 'outcome',
      outcome: { state: 'success' },
    });
    const gate = (key: string) =>
      spawnSync(
        process.execPath,
        [
          ccglmBin,
          'job',
          'feature-key-gate',
          '--beads',
          'c',
          '--feature-key',
          key,
          '--base-branch',
          'main',
          '--log-dir',
          job.logDir,
        ],
        { encoding: 'utf8' },
      );
    expect(gate('bd-9')).toMatchObject({
      status: 0,
      stdout: 'feature-key gate passed: feature_key=bd-9 branch=feature base=main commits=1\n',
    });
    expect(gate('bd-1').status).toBe(4);
  });
});
