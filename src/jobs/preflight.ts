/**
 * `ccglm job preflight`: the shell runner's checks and lines (`claude binary: OK (path)`, `auth
 * resolution: OK (ZAI_API_KEY)`, `model config: OK (glm-5)`, `backend URL: …`, `worktree: …`), then
 * ccglm's own (log dir, git, PTY, the job's prompt file) in the same `name: STATE (detail)` form;
 * a failed check adds `  ERROR: …` under it. Never prints a secret: auth says where the token is.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { resolveAuth } from '../agent/auth.js';
import { DEFAULT_BASE_URL } from '../agent/contract.js';
import { runOpCli } from '../agent/op.js';
import { formatUtc } from './ids.js';
import { resolveExecutable } from './resolve-command.js';
import { readMeta } from './store.js';

export interface PreflightResult {
  generated_at: string;
  beads: string;
  passed: boolean;
  exit_code: number;
  output: string;
}

/** The runner's label for where the token comes from (ccglm's source labels carry a kind prefix). */
function authLabel(source: string): string {
  if (source === 'op-ref:ZAI_API_KEY') return 'ZAI_API_KEY (op://)';
  if (source.startsWith('op-ref:default')) return 'default op://';
  return source.replace(/^(env|file|op-ref):/, '');
}

/** The runner's state word for a failed resolution. */
function authFailure(reason: string, source: string): string {
  if (reason === 'op_cli_missing' && source.startsWith('op-ref:default')) return 'NO_AUTH_SOURCE';
  if (reason === 'op_read_timeout' || reason === 'op_read_failed') return 'AUTH_PROBE_TIMEOUT';
  return reason.toUpperCase();
}

export async function runPreflight(
  logDir: string,
  beads: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<PreflightResult> {
  const now = formatUtc(Date.now());
  const lines = ['=== Preflight Check ===', `timestamp: ${now}`];
  if (beads !== undefined) lines.push(`beads: ${beads}`);
  let errors = 0;
  const ok = (name: string, detail: string) => lines.push(`${name}: OK (${detail})`);
  const bad = (name: string, state: string, error?: string) => {
    lines.push(`${name}: ${state}`);
    if (error !== undefined) lines.push(`  ERROR: ${error}`);
    errors += 1;
  };

  const claude = resolveExecutable('claude', env, cwd);
  if (claude !== undefined) ok('claude binary', claude);
  else bad('claude binary', 'MISSING', 'claude CLI not found');

  const auth = await resolveAuth({
    env,
    readFile: (f) => readFileSync(f, 'utf8'),
    runOp: runOpCli(env),
  });
  if (auth.ok) ok('auth resolution', authLabel(auth.source));
  else
    bad(
      'auth resolution',
      authFailure(auth.reason, auth.source),
      (auth.message.split('\n')[0] ?? '').replace(/^AUTH TOKEN RESOLUTION FAILED: /, ''),
    );
  ok('model config', env['CC_GLM_MODEL'] || 'glm-5');
  lines.push(`backend URL: ${env['CC_GLM_BASE_URL'] || DEFAULT_BASE_URL}`);

  if (beads !== undefined) {
    const meta = readMeta(logDir, beads);
    const worktree = meta?.['worktree'] ?? '';
    if (meta === undefined) lines.push('worktree: NO_META_FILE');
    else if (worktree === '') lines.push('worktree: NOT_CONFIGURED');
    else if (fs.existsSync(worktree)) ok('worktree', worktree);
    else bad('worktree', `MISSING (${worktree})`);
    const prompt = meta?.['prompt_file'] ?? '';
    if (prompt !== '') {
      if (fs.existsSync(prompt)) ok('prompt file', prompt);
      else bad('prompt file', `MISSING (${prompt})`, `prompt file not found: ${prompt}`);
    }
  }

  // ccglm's own checks.
  try {
    fs.mkdirSync(logDir, { recursive: true });
    fs.accessSync(logDir, fs.constants.W_OK);
    ok('log dir', logDir);
  } catch {
    bad('log dir', `NOT_WRITABLE (${logDir})`, `cannot create or write ${logDir}`);
  }
  const git = spawnSync('git', ['--version'], { encoding: 'utf8' });
  if (git.status === 0) ok('git', git.stdout.trim());
  else bad('git', 'MISSING', 'git not found (worktrees, gates and mutation counts need it)');
  try {
    await import('@lydell/node-pty');
    ok('pty support', '@lydell/node-pty');
  } catch (error) {
    bad('pty support', 'FAILED', `@lydell/node-pty does not load: ${(error as Error).message}`);
  }

  lines.push('');
  lines.push(
    errors === 0 ? '=== Preflight PASSED ===' : `=== Preflight FAILED (${errors} error(s)) ===`,
  );
  return {
    generated_at: now,
    beads: beads ?? '',
    passed: errors === 0,
    exit_code: errors === 0 ? 0 : 1,
    output: lines.join('\n'),
  };
}
