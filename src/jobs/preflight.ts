import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ccglmBin } from '../paths.js';
import { readMeta } from './store.js';

export interface PreflightResult {
  generated_at: string;
  beads: string;
  passed: boolean;
  exit_code: number;
  output: string;
}

/** Can a job start here? Log dir writable, git and the PTY module present, auth resolvable, job files sane. */
export async function runPreflight(
  logDir: string,
  beads: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<PreflightResult> {
  const lines: string[] = [];
  let passed = true;
  const note = (ok: boolean, text: string) => {
    lines.push(`${ok ? 'PASS' : 'FAIL'} ${text}`);
    if (!ok) passed = false;
  };
  try {
    fs.mkdirSync(logDir, { recursive: true });
    fs.accessSync(logDir, fs.constants.W_OK);
    note(true, `log dir writable: ${logDir}`);
  } catch {
    note(false, `log dir not writable: ${logDir}`);
  }
  note(spawnSync('git', ['--version']).status === 0, 'git available');
  try {
    await import('@lydell/node-pty');
    note(true, 'PTY support (@lydell/node-pty) loads');
  } catch (error) {
    note(false, `PTY support does not load: ${(error as Error).message}`);
  }
  const auth = spawnSync(process.execPath, [ccglmBin, 'headless', '--auth-check'], {
    env,
    encoding: 'utf8',
    timeout: 15_000,
  });
  note(auth.status === 0, `auth: ${(auth.stdout + auth.stderr).trim().split('\n')[0] ?? ''}`);
  if (beads !== undefined) {
    const meta = readMeta(logDir, beads);
    if (meta === undefined) note(false, `job ${beads}: no meta in ${logDir}`);
    else {
      note(fs.existsSync(meta['prompt_file'] ?? ''), `prompt file: ${meta['prompt_file'] ?? ''}`);
      note(fs.existsSync(meta['worktree'] ?? ''), `worktree: ${meta['worktree'] ?? ''}`);
    }
  }
  return {
    generated_at: new Date().toISOString(),
    beads: beads ?? '',
    passed,
    exit_code: passed ? 0 : 1,
    output: lines.join('\n'),
  };
}
