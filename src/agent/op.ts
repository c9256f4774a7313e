import { spawn } from 'node:child_process';
import type { Env, OpResult } from './auth.js';

/**
 * Runs the 1Password CLI (`op read REF`) with an argument array — the reference is never part of a
 * shell line. stdout (the secret) is captured and returned; op's stderr is discarded because it
 * echoes the reference and account details that do not belong in job logs.
 */
export function runOpCli(env: Env, timeoutMs = 30_000): (args: string[]) => Promise<OpResult> {
  return (args) =>
    new Promise((resolve) => {
      const child = spawn('op', args, {
        env: env as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => (stdout += chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(
          error.code === 'ENOENT' || error.code === 'EACCES'
            ? { ok: false, reason: 'missing' }
            : { ok: false, reason: 'failed' },
        );
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (timedOut) resolve({ ok: false, reason: 'timeout' });
        else if (code === 0) resolve({ ok: true, stdout });
        else resolve({ ok: false, reason: 'failed', exitCode: code ?? 1 });
      });
    });
}

const reads = new Map<string, Promise<OpResult>>();

/**
 * `op read` once per reference (and 1Password account settings) for this process's life: the
 * shared job host of a run resolves the token once, not once per task (a read may take seconds and
 * ask for a fingerprint). Tasks that launch together wait for the same read; a failed read is not
 * kept, so the next launch tries again.
 */
export function runOpCliShared(env: Env): (args: string[]) => Promise<OpResult> {
  const run = runOpCli(env);
  const account = Object.entries(env)
    .filter(([key]) => key.startsWith('OP_'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (args) => {
    const key = JSON.stringify([args, account]);
    const known = reads.get(key);
    if (known !== undefined) return known;
    const read = run(args);
    reads.set(key, read);
    read.then(
      (result) => {
        if (!result.ok) reads.delete(key);
      },
      () => reads.delete(key),
    );
    return read;
  };
}
