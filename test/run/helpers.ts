import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = path.join(root, 'bin', 'ccglm.js');
export const fakeAgent = `${process.execPath} ${fileURLToPath(new URL('./fake-agent.mjs', import.meta.url))}`;

export interface Sandbox {
  dir: string;
  repo: string;
  plan: string;
  logDir: string;
  worktrees: string;
  marks: string;
  cleanup(): void;
}

/** A git repository at `repo` (made) on `main` with one commit (README.md), committer `name`. */
export function initRepo(repo: string, name = 'test'): void {
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', name);
  git('config', 'user.email', 'test@example.invalid');
  writeFileSync(path.join(repo, 'README.md'), '# app\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
}

/** A temp folder with a git repo `app` (one commit) and a plan beside it. */
export function makeSandbox(planText: string): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-run-'));
  const repo = path.join(dir, 'app');
  initRepo(repo);
  const plan = path.join(dir, 'test-plan.md');
  writeFileSync(plan, planText);
  const marks = path.join(dir, 'marks');
  mkdirSync(marks);
  return {
    dir,
    repo,
    plan,
    logDir: path.join(dir, 'jobs'),
    worktrees: path.join(dir, 'wt'),
    marks,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function runArgs(sb: Sandbox, extra: string[] = []): string[] {
  return [
    bin,
    'run',
    sb.plan,
    '--json',
    '--agent-cmd',
    fakeAgent,
    '--repos',
    sb.dir,
    '--log-dir',
    sb.logDir,
    '--worktree-root',
    sb.worktrees,
    '--no-pty',
    ...extra,
  ];
}

export function runSync(sb: Sandbox, extra: string[] = [], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, runArgs(sb, extra), {
    encoding: 'utf8',
    env: { ...process.env, FAKE_MARKS: sb.marks, ...env },
    timeout: 60_000,
  });
  const events = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          id?: string;
          status?: string;
          reason?: string;
          [k: string]: unknown;
        },
    );
  return { ...result, events };
}

export function spawnRun(sb: Sandbox, extra: string[] = [], env: Record<string, string> = {}) {
  return spawn(process.execPath, runArgs(sb, extra), {
    env: { ...process.env, FAKE_MARKS: sb.marks, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function planTask(id: string, deps: string[], location: string[] = [`${id}.txt`]): string {
  return [
    `### ${id}: Task ${id}`,
    `- **depends_on**: [${deps.join(', ')}]`,
    `- **repo**: app`,
    `- **location**:`,
    ...location.map((l) => `  - ${l}`),
    `- **description**: Do ${id}.`,
    `- **validation**: ${id}.txt exists`,
    `- **status**: Not Started`,
    `- **log**: [empty - agent fills]`,
    `- **files edited**: [empty - agent fills]`,
    '',
  ].join('\n');
}

export function plan(tasks: string[]): string {
  return [
    '# Plan: Test',
    '',
    '## Overview',
    'A test plan.',
    '',
    '## Tasks',
    '',
    ...tasks,
    '## Notes',
    '',
    'Kept as written.',
    '',
  ].join('\n');
}
