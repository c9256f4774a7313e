/**
 * Running a command on a target through its transport. The remote side gets one command line that
 * its login shell reads, so every word ccglm puts in it is quoted here (task text and paths never
 * reach a remote shell unquoted); the user's own `gate` is the one line passed as written.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
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

/**
 * The local argv: the transport, and for OpenSSH itself no prompts (BatchMode), a connect timeout
 * and `--` before the host. Other transports (`tailscale ssh`) take only the host and the command.
 */
export function sshArgv(target: Target, line: string, connectTimeout = 10): string[] {
  const [command = 'ssh', ...pre] = target.transport;
  const options =
    path.basename(command) === 'ssh'
      ? ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${connectTimeout}`, '--']
      : [];
  return [command, ...pre, ...options, target.ssh, line];
}

export interface RunOptions {
  timeoutMs?: number;
  /** Written to the remote command's stdin (text that must not travel in an argument). */
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs `line` on the target; never throws for the remote side's failures. */
export function runOnTarget(
  target: Target,
  line: string,
  options: RunOptions = {},
): Promise<RemoteResult> {
  const [file, ...args] = sshArgv(target, line);
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
