import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, initRepo } from '../run/helpers.js';

// A plan kept in a folder of plans, beside (not inside) the repository its tasks change.
const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-outside-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plans = path.join(dir, 'plans');
const repo = path.join(dir, 'work', 'app');
mkdirSync(plans);
initRepo(repo);
const task = (id: string, repoField: string) =>
  `### ${id}: Step\n- **depends_on**: []\n${repoField}- **location**: src/${id}.ts\n- **description**: do ${id}\n- **status**: Not Started\n`;
writeFileSync(path.join(plans, 'none-plan.md'), task('T1', ''));
writeFileSync(path.join(plans, 'named-plan.md'), task('T1', `- **repo**: ${repo}\n`));

const ccglm = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    // The demo agent's pauses (700 ms a step) are for a person watching, not for a test.
    env: {
      ...process.env,
      HOME: dir,
      XDG_STATE_HOME: path.join(dir, 'state'),
      CCGLM_DEMO_DELAY_MS: '0',
    },
  });
const check = (cwd: string, plan: string, ...more: string[]) =>
  ccglm(cwd, 'run', path.join(plans, plan), '--check', '--agent', 'demo', ...more);

describe('a plan outside the repository', () => {
  it('finds the repository from --repos ., from a repo field, or from the current folder', () => {
    for (const result of [
      check(repo, 'none-plan.md', '--repos', '.'),
      check(plans, 'none-plan.md', '--repos', '../work/app'),
      check(repo, 'none-plan.md'),
      check(plans, 'named-plan.md'),
    ]) {
      expect(result.stdout).toContain(`PASS repository app (${repo}): at `);
      expect(result.status).toBe(0);
    }
  });

  it('says where it looked and what to pass when there is none', () => {
    const result = check(plans, 'none-plan.md');
    expect(result.status).toBe(78);
    expect(result.stdout).toContain(
      'FAIL cannot find the git repository of T1 (repo (none)) (looked in the current folder (not in a git repository)',
    );
    expect(result.stdout).toContain('pass --repos DIR (the repository, or a folder');
  });

  it('runs there: the task merged into the repository, the plan written back', () => {
    const plan = path.join(plans, 'none-plan.md');
    const result = ccglm(
      repo,
      'run',
      plan,
      '--agent',
      'demo',
      '--no-pty',
      '--worktree-root',
      path.join(dir, 'wt'),
      '--log-dir',
      path.join(dir, 'logs'),
    );
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(plan, 'utf8')).toContain('- **status**: Completed');
    const log = spawnSync('git', ['-C', repo, 'log', '--oneline', 'feature-none'], {
      encoding: 'utf8',
    });
    expect(log.stdout).toMatch(/Merge T1: Step/);
  });
});
