/**
 * The compatibility suite drives the built CLI through `cc-glm-job.sh` (a shim for `ccglm job`),
 * as a script written for the shell runner (v3.4.0) would, in a sandbox: its own HOME, state dir,
 * TMPDIR and log dir (CC_GLM_LOG_DIR), a PATH with a fake `claude`, and git repos in temp folders.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listJobIds, readJob, stopJob } from '../../src/jobs/index.js';
import { until } from '../jobs/helpers.js';

export { until };

export const shim = fileURLToPath(new URL('./cc-glm-job.sh', import.meta.url));
/** bash by its full path, so a test may give the CLI a PATH without it. */
export const bash = spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();
const fakeBin = fileURLToPath(new URL('./bin', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  root: string;
  logDir: string;
  env: NodeJS.ProcessEnv;
  /** `cc-glm-job.sh ARGS…` from `cwd` (default: the sandbox root). */
  job: (args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }) => Run;
  cleanup: () => Promise<void>;
}

export function makeSandbox(): Sandbox {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ccglm-compat-')));
  const logDir = path.join(root, 'cc-glm-jobs');
  fs.mkdirSync(logDir);
  fs.mkdirSync(path.join(root, 'home'));
  fs.mkdirSync(path.join(root, 'tmp'));
  const env: NodeJS.ProcessEnv = {
    PATH: `${fakeBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: path.join(root, 'home'),
    TMPDIR: path.join(root, 'tmp'),
    XDG_STATE_HOME: path.join(root, 'state'),
    CCGLM_STATE_DIR: path.join(root, 'state'),
    CC_GLM_LOG_DIR: logDir,
    CC_GLM_AUTH_TOKEN: 'compat-token-not-a-secret',
    // A stray ccglm.config.json in the temp folder or above is not the sandbox's.
    CCGLM_CONFIG_CEILING: os.tmpdir(),
    LANG: 'C',
  };
  return {
    root,
    logDir,
    env,
    job: (args, options = {}) => {
      const result = spawnSync(bash, [shim, ...args], {
        cwd: options.cwd ?? root,
        env: { ...env, ...options.env },
        encoding: 'utf8',
        timeout: 30_000,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    async cleanup() {
      for (const id of listJobIds(logDir)) {
        await stopJob(logDir, id, { graceMs: 200 }).catch(() => undefined);
        await until(() => !readJob(logDir, id).hostAlive, 5000).catch(() => undefined);
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A job as the runner's files only (no process): finished with `exitCode`, or none (`undefined`). */
export function writeJob(
  logDir: string,
  id: string,
  options: { exitCode?: number; worktree?: string; meta?: string; log?: string } = {},
): void {
  fs.writeFileSync(
    path.join(logDir, `${id}.meta`),
    `beads=${id}\nrepo=\nworktree=${options.worktree ?? ''}\nstarted_at=2026-01-01T00:00:00Z\nretries=0\nlaunch_state=running\npid=999999\npid_start_time=1\n${options.meta ?? ''}`,
  );
  fs.writeFileSync(path.join(logDir, `${id}.pid`), '999999\n');
  fs.writeFileSync(path.join(logDir, `${id}.log`), options.log ?? 'line one\nline two\n');
  if (options.exitCode !== undefined)
    fs.writeFileSync(
      path.join(logDir, `${id}.outcome`),
      `beads=${id}\nrun_id=r\nexit_code=${options.exitCode}\nstate=${options.exitCode === 0 ? 'success' : 'failed'}\ncompleted_at=2026-01-01T00:05:00Z\nduration_sec=300\nretries=0\n`,
    );
}

/** A git repo with one commit on `main`; returns a git runner for it. */
export function makeRepo(dir: string): (...args: string[]) => string {
  fs.mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    }).trim();
  git('init', '-q', '-b', 'main');
  git('commit', '-q', '--allow-empty', '-m', 'base');
  return git;
}

/** A `--json` document as the runner prints it: one line, compact, then a newline. */
export function compactJson(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n');
  if (lines.length !== 2 || lines[1] !== '') throw new Error(`not one line: ${stdout}`);
  const value = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  if (JSON.stringify(value) !== lines[0]) throw new Error(`not compact: ${lines[0]}`);
  return value;
}
