/**
 * Running a command on a target through its transport. The remote side gets one command line that
 * its login shell reads, so every word ccglm puts in it is quoted here (task text and paths never
 * reach a remote shell unquoted); the user's own `gate` is the one line passed as written.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { shellQuote } from '../run/summary.js';
import type { Target } from './config.js';

export interface RemoteResult {
  /** The exit code; 255 is the transport's own failure (unreachable, refused, host key). */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** ssh's exit code for a connection that failed (not the remote command's). */
export const SSH_FAILED = 255;

/** One remote command line from words, each quoted for a POSIX shell. */
export function remoteLine(argv: readonly string[]): string {
  return argv
    .map((word) => (word.startsWith('~/') ? `~/${shellQuote(word.slice(2))}` : shellQuote(word)))
    .join(' ');
}

const isOpenSsh = (target: Target) => path.basename(target.transport[0] ?? 'ssh') === 'ssh';

/**
 * OpenSSH options ccglm adds: no prompts (BatchMode), a connect timeout, a connection whose peer
 * stops answering given up after 3 × 15 s (ServerAlive), and with `mux` (a folder for control
 * sockets) one shared connection per target that later calls reuse (ControlMaster), kept 30 s after
 * the last. Never host-key options: the user's known_hosts decide.
 */
export function openSshOptions(target: Target, mux?: string, connectTimeout = 10): string[] {
  if (!isOpenSsh(target)) return [];
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${connectTimeout}`,
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=3',
    ...(mux !== undefined
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${mux}/%C`, '-o', 'ControlPersist=30']
      : []),
  ];
}

/**
 * The local argv: the transport, ccglm's OpenSSH options and `--` before the host. Other transports
 * (`tailscale ssh`) take only the host and the command; their options come from the user's config.
 */
export function sshArgv(target: Target, line: string, mux?: string): string[] {
  const [command = 'ssh', ...pre] = target.transport;
  const options = isOpenSsh(target) ? [...openSshOptions(target, mux), '--'] : [];
  return [command, ...pre, ...options, target.ssh, line];
}

/** A folder for control sockets, private to this user (short: socket paths are limited to ~100 bytes). */
export function muxFolder(): string {
  const dir = path.join(os.tmpdir(), `ccglm-ssh-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Ends the target's shared connection (`ssh -O exit`); nothing when there is none. */
export async function closeMux(target: Target, mux: string): Promise<void> {
  if (!isOpenSsh(target)) return;
  const [command = 'ssh', ...pre] = target.transport;
  await new Promise<void>((resolve) => {
    const child = spawn(
      command,
      [...pre, '-o', `ControlPath=${mux}/%C`, '-O', 'exit', '--', target.ssh],
      { stdio: 'ignore' },
    );
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}

export interface RunOptions {
  timeoutMs?: number;
  /** Written to the remote command's stdin (text that must not travel in an argument, a file). */
  input?: string | Uint8Array;
  /** Share one connection per target through control sockets in this folder (see muxFolder). */
  mux?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Sessions at once over one shared connection: OpenSSH's sshd refuses more than `MaxSessions`
 * (default 10) on one connection ("the remote end hung up"); 8 leaves room for the user's own.
 */
const SESSIONS = 8;
const slots = new Map<string, LimitFunction>();

/**
 * Runs `work` (one SSH session: a call, a git push or fetch) when the target's shared connection
 * has a session free; without a shared connection at once.
 */
export function inSession<T>(target: Target, mux: string | undefined, work: () => Promise<T>) {
  if (mux === undefined || !isOpenSsh(target)) return work();
  const key = `${mux}\0${target.name}`;
  let limit = slots.get(key);
  if (limit === undefined) slots.set(key, (limit = pLimit(SESSIONS)));
  return limit(work);
}

/** Runs `line` on the target; never throws for the remote side's failures. */
export function runOnTarget(
  target: Target,
  line: string,
  options: RunOptions = {},
): Promise<RemoteResult> {
  return inSession(target, options.mux, () => runNow(target, line, options));
}

function runNow(target: Target, line: string, options: RunOptions): Promise<RemoteResult> {
  const [file, ...args] = sshArgv(target, line, options.mux);
  return new Promise((resolve) => {
    const child = spawn(file as string, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    if (options.input !== undefined) {
      child.stdin?.on('error', () => undefined); // the target hung up: its exit code says why
      child.stdin?.end(options.input);
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            // A call through a shared connection handed its pipes to the master, which keeps them
            // open: close this side, or 'close' would wait for the master.
            child.stdout?.destroy();
            child.stderr?.destroy();
          }, options.timeoutMs);
    const done = (code: number) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    };
    child.on('error', (error) => {
      stderr += `${file}: ${error.message}`;
      done(127);
    });
    child.on('close', (code) => done(timedOut ? SSH_FAILED : (code ?? SSH_FAILED)));
  });
}

/** The transport's complaint in one line (its last non-empty stderr line). */
export function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines[lines.length - 1] ?? '';
}
