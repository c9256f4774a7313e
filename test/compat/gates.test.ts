// Compatibility with cc-glm-job.sh 3.4.0: baseline-gate, integrity-gate, feature-key-gate.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compactJson, makeRepo, makeSandbox, writeJob, type Sandbox } from './helpers.js';

let box: Sandbox;
let repo: string;
let git: (...args: string[]) => string;
let base: string;
let head: string;

beforeEach(() => {
  box = makeSandbox();
  repo = path.join(box.root, 'repo');
  git = makeRepo(repo);
  base = git('rev-parse', 'HEAD');
  git('checkout', '-q', '-b', 'feature');
  git('commit', '-q', '--allow-empty', '-m', 'work', '-m', 'Feature-Key: bd-1');
  head = git('rev-parse', 'HEAD');
});
afterEach(() => box.cleanup());

describe('baseline-gate', () => {
  it('runner: JSON {generated_at, worktree, required_baseline, runtime_commit, passed, reason_code, details}; exit 0 baseline_ok, 4 otherwise', () => {
    const pass = box.job([
      'baseline-gate',
      '--worktree',
      repo,
      '--required-baseline',
      base,
      '--json',
    ]);
    expect(pass.code).toBe(0);
    const doc = compactJson(pass.stdout);
    expect(Object.keys(doc)).toEqual([
      'generated_at',
      'worktree',
      'required_baseline',
      'runtime_commit',
      'passed',
      'reason_code',
      'details',
    ]);
    expect(doc).toMatchObject({
      worktree: repo,
      required_baseline: base,
      runtime_commit: head,
      passed: true,
      reason_code: 'baseline_ok',
      details: 'runtime commit meets required baseline',
    });
    expect(doc['generated_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    git('checkout', '-q', 'main');
    const behind = box.job(['baseline-gate', '--worktree', repo, '--required-baseline', head]);
    expect(behind).toEqual({
      code: 4,
      stdout: `baseline gate failed: reason=baseline_not_met runtime=${base} required=${head} worktree=${repo}\ndetails: runtime commit is behind required baseline\n`,
      stderr: '',
    });
    const unknown = box.job([
      'baseline-gate',
      '--worktree',
      repo,
      '--required-baseline',
      'deadbeef',
      '--json',
    ]);
    expect(unknown.code).toBe(4);
    expect(compactJson(unknown.stdout)).toMatchObject({
      passed: false,
      reason_code: 'required_commit_missing',
      details: 'required commit not found in repo',
    });
  });
  it('runner: text line on pass; bad folder is a failed gate (4) with its reason; no SHA is usage (2)', () => {
    expect(box.job(['baseline-gate', '--worktree', repo, '--required-baseline', base]).stdout).toBe(
      `baseline gate passed: runtime=${head} required=${base} worktree=${repo}\n`,
    );
    const gone = path.join(box.root, 'gone');
    expect(
      box.job(['baseline-gate', '--worktree', gone, '--required-baseline', base]),
    ).toMatchObject({
      code: 4,
      stdout: `baseline gate failed: reason=worktree_missing runtime=- required=${base} worktree=${gone}\ndetails: worktree not found: ${gone}\n`,
    });
    const plain = box.root;
    expect(
      compactJson(
        box.job(['baseline-gate', '--worktree', plain, '--required-baseline', base, '--json'])
          .stdout,
      ),
    ).toMatchObject({ reason_code: 'not_a_git_repo', details: `not a git worktree: ${plain}` });
    expect(box.job(['baseline-gate', '--worktree', repo])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ccglm: baseline-gate requires --required-baseline\n',
    });
  });
  it('runner: without --worktree, the job’s worktree (--beads), else the current folder', () => {
    writeJob(box.logDir, 'j', { worktree: repo });
    expect(
      compactJson(
        box.job(['baseline-gate', '--beads', 'j', '--required-baseline', base, '--json']).stdout,
      ),
    ).toMatchObject({
      worktree: repo,
      passed: true,
    });
    expect(
      compactJson(
        box.job(['baseline-gate', '--required-baseline', base, '--json'], { cwd: repo }).stdout,
      ),
    ).toMatchObject({
      worktree: repo,
      passed: true,
    });
  });
});

describe('integrity-gate', () => {
  it('runner: JSON {…, branch, branch_head, reported_commit, passed, reason_code, details}; integrity_ok / reported_commit_not_found / reported_not_ancestor', () => {
    const ok = box.job(['integrity-gate', '--worktree', repo, '--reported-commit', base, '--json']);
    expect(ok.code).toBe(0);
    const doc = compactJson(ok.stdout);
    expect(Object.keys(doc)).toEqual([
      'generated_at',
      'worktree',
      'branch',
      'branch_head',
      'reported_commit',
      'passed',
      'reason_code',
      'details',
    ]);
    expect(doc).toMatchObject({
      branch: 'feature',
      branch_head: head,
      reported_commit: base,
      passed: true,
      reason_code: 'integrity_ok',
      details: 'reported commit is ancestor of branch head',
    });
    const missing = box.job([
      'integrity-gate',
      '--worktree',
      repo,
      '--reported-commit',
      'deadbeef',
      '--json',
    ]);
    expect(missing.code).toBe(4);
    expect(missing.stdout).toContain('"reason_code":"reported_commit_not_found"');
    const notOn = box.job([
      'integrity-gate',
      '--worktree',
      repo,
      '--reported-commit',
      head,
      '--branch',
      'main',
    ]);
    expect(notOn).toEqual({
      code: 4,
      stdout: `integrity gate failed: reason=reported_not_ancestor reported=${head} branch=main head=${base}\ndetails: reported commit is not ancestor of branch head\n`,
      stderr: '',
    });
    expect(box.job(['integrity-gate', '--worktree', repo, '--reported-commit', base]).stdout).toBe(
      `integrity gate passed: reported=${base} branch=feature head=${head}\n`,
    );
  });
  it('runner: unknown branch is branch_head_missing (4); no --reported-commit is usage (2)', () => {
    expect(
      compactJson(
        box.job([
          'integrity-gate',
          '--worktree',
          repo,
          '--reported-commit',
          base,
          '--branch',
          'nope',
          '--json',
        ]).stdout,
      ),
    ).toMatchObject({
      reason_code: 'branch_head_missing',
      details: 'branch not found: nope',
      branch_head: '',
    });
    expect(box.job(['integrity-gate', '--worktree', repo])).toMatchObject({
      code: 2,
      stderr: 'ccglm: integrity-gate requires --reported-commit\n',
    });
  });
});

describe('feature-key-gate', () => {
  it('runner: JSON {…, branch, base_branch, feature_key, checked_commits, passed, reason_code, details}; feature_key_ok / feature_key_missing_in_commits / no_commits_in_range', () => {
    const ok = box.job([
      'feature-key-gate',
      '--worktree',
      repo,
      '--feature-key',
      'bd-1',
      '--base-branch',
      'main',
      '--json',
    ]);
    expect(ok.code).toBe(0);
    const doc = compactJson(ok.stdout);
    expect(Object.keys(doc)).toEqual([
      'generated_at',
      'worktree',
      'branch',
      'base_branch',
      'feature_key',
      'checked_commits',
      'passed',
      'reason_code',
      'details',
    ]);
    expect(doc).toMatchObject({
      branch: 'feature',
      base_branch: 'main',
      feature_key: 'bd-1',
      checked_commits: 1,
      reason_code: 'feature_key_ok',
      details: 'all 1 commits include Feature-Key: bd-1',
    });
    git('commit', '-q', '--allow-empty', '-m', 'no trailer');
    const missing = box.job([
      'feature-key-gate',
      '--worktree',
      repo,
      '--feature-key',
      'bd-1',
      '--base-branch',
      'main',
    ]);
    expect(missing).toEqual({
      code: 4,
      stdout:
        'feature-key gate failed: reason=feature_key_missing_in_commits feature_key=bd-1 branch=feature base=main\ndetails: 1/2 commits missing Feature-Key: bd-1\n',
      stderr: '',
    });
    const empty = box.job([
      'feature-key-gate',
      '--worktree',
      repo,
      '--feature-key',
      'bd-1',
      '--branch',
      'main',
      '--base-branch',
      'main',
      '--json',
    ]);
    expect(empty.code).toBe(4);
    expect(compactJson(empty.stdout)).toMatchObject({
      reason_code: 'no_commits_in_range',
      details: 'no commits in range main..main',
      checked_commits: 0,
    });
  });
  it('runner: base branch from $CC_GLM_BASE_BRANCH, else master (differs: main when there is no master); unknown base is base_branch_missing', () => {
    const byEnv = box.job(
      ['feature-key-gate', '--worktree', repo, '--feature-key', 'bd-1', '--json'],
      {
        env: { CC_GLM_BASE_BRANCH: 'nope' },
      },
    );
    expect(byEnv.code).toBe(4);
    expect(compactJson(byEnv.stdout)).toMatchObject({
      base_branch: 'nope',
      reason_code: 'base_branch_missing',
      details: 'base branch not found: nope',
    });
    const fallback = box.job(['feature-key-gate', '--worktree', repo, '--feature-key', 'bd-1']);
    expect(fallback).toMatchObject({
      code: 0,
      stdout: 'feature-key gate passed: feature_key=bd-1 branch=feature base=main commits=1\n',
    });
    git('branch', 'master', 'main');
    expect(
      box.job(['feature-key-gate', '--worktree', repo, '--feature-key', 'bd-1']).stdout,
    ).toContain(' base=master ');
    expect(box.job(['feature-key-gate', '--worktree', repo])).toMatchObject({
      code: 2,
      stderr: 'ccglm: feature-key-gate requires --feature-key\n',
    });
  });
});
