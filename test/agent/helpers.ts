import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ccglmBin } from '../../src/paths.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temp folder removed by the returned cleanup. */
export function makeTempDir(prefix = 'ccglm-agent-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeExecutable(file: string, text: string): string {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A fake agent binary (node script) that records argv, cwd, stdin and the interesting environment to
 * $FAKE_AGENT_RECORD, prints a line, and exits with $FAKE_AGENT_EXIT (or waits for a signal when
 * FAKE_AGENT_WAIT=1, recording the signal it got).
 */
export const fakeAgentScript = `#!${process.execPath}
const fs = require('node:fs');
const keys = Object.keys(process.env).filter((k) => /^(ANTHROPIC_|API_TIMEOUT_MS|CCGLM_|IS_SANDBOX|OPENAI_)/.test(k));
const env = Object.fromEntries(keys.sort().map((k) => [k, process.env[k]]));
let stdin = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => (stdin += c));
// The handler is in place before the record exists: a test signals as soon as it sees the record.
if (process.env.FAKE_AGENT_WAIT === '1')
  process.on('SIGTERM', () => { fs.appendFileSync(process.env.FAKE_AGENT_RECORD + '.signal', 'SIGTERM'); process.exit(143); });
process.stdin.on('end', () => {
  const record = { argv: process.argv.slice(2), cwd: process.cwd(), stdin, env, pid: process.pid };
  fs.writeFileSync(process.env.FAKE_AGENT_RECORD, JSON.stringify(record));
  process.stdout.write('fake agent ran\\n');
  if (process.env.FAKE_AGENT_OUTPUT) process.stderr.write(process.env.FAKE_AGENT_OUTPUT + '\\n');
  if (process.env.FAKE_AGENT_WAIT === '1') {
    setInterval(() => {}, 1000);
    return;
  }
  process.exit(Number(process.env.FAKE_AGENT_EXIT || 0));
});
`;

/** A fake 1Password CLI: records its argv, prints $FAKE_OP_TOKEN for `op read`, or exits $FAKE_OP_EXIT. */
export const fakeOpScript = `#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_OP_RECORD"
if [ -n "$FAKE_OP_EXIT" ]; then echo "[ERROR] could not read secret" >&2; exit "$FAKE_OP_EXIT"; fi
[ "$1" = "read" ] || exit 3
printf '%s\\n' "$FAKE_OP_TOKEN"
`;

/**
 * Runs `ccglm ARGS` with exactly `env` (plus nothing inherited but the config ceiling: a stray
 * ccglm.config.json in the temp folder or above is not the test's), optional stdin.
 */
export function runCcglm(
  args: string[],
  options: {
    env: Record<string, string>;
    cwd: string;
    stdin?: string;
    onSpawn?: (pid: number) => void;
  },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ccglmBin, ...args], {
      cwd: options.cwd,
      env: { CCGLM_CONFIG_CEILING: os.tmpdir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('spawn', () => options.onSpawn?.(child.pid as number));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
  });
}

/** PATH with only the given folder plus system folders and node's own (no real claude / op). */
export function isolatedPath(dir: string): string {
  return [dir, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':');
}
