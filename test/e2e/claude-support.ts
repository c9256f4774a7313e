import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import pty from '@lydell/node-pty';
import { packageRoot } from '../../src/paths.js';
import { ccglmBin } from '../../src/paths.js';

/** The Claude Code native binary installed by scripts/setup-e2e.mjs, when there is one. */
export function findClaudeBinary(): string | undefined {
  const scope = path.join(packageRoot, '.cache', 'claude-code', 'node_modules', '@anthropic-ai');
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  return [
    path.join(scope, 'claude-code', 'bin', 'claude.exe'),
    path.join(scope, `claude-code-linux-${arch}`, 'claude'),
  ].find((file) => existsSync(file));
}

/** A bin folder with `claude` -> the installed binary, for PATH. */
export function makeClaudeBin(dir: string, binary: string): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(binary, path.join(bin, 'claude'));
  return bin;
}

/** Environment for a fast, quiet, offline Claude Code run against the fake server. */
export function claudeEnv(options: { home: string; bin: string; baseUrl: string; token: string }) {
  return {
    PATH: [options.bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
    HOME: options.home,
    TERM: 'xterm-256color',
    CC_GLM_BASE_URL: options.baseUrl,
    CC_GLM_AUTH_TOKEN: options.token,
    CC_GLM_TIMEOUT_MS: '60000',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // No client-side retries: a 429/401 should end the run at once, not after minutes of backoff.
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
}

/** A sandbox's Claude Code set-up: a `claude` on PATH, an empty HOME, the fake server's URL and token. */
export function sandboxClaudeEnv(dir: string, binary: string, baseUrl: string, token: string) {
  const home = path.join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return claudeEnv({ home, bin: makeClaudeBin(dir, binary), baseUrl, token });
}

export interface PtyRun {
  exitCode: number;
  output: string;
}

/** Runs `ccglm ARGS` in a real PTY (as the job runner does) and collects everything it printed. */
export function runCcglmInPty(
  args: string[],
  options: { cwd: string; env: Record<string, string>; onOutput?: (text: string) => void },
): Promise<PtyRun> {
  return new Promise((resolve) => {
    const term = pty.spawn(process.execPath, [ccglmBin, ...args], {
      name: 'xterm-256color',
      cols: 120,
      rows: 40,
      cwd: options.cwd,
      env: options.env,
    });
    let output = '';
    term.onData((data) => {
      output += data;
      options.onOutput?.(output);
    });
    term.onExit(({ exitCode }) => resolve({ exitCode, output }));
  });
}

/** Every process whose argv (from /proc/PID/cmdline) contains `needle`. */
export function processesWith(needle: string): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.some((arg) => arg.includes(needle))) found.push({ pid: Number(entry), argv });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}
