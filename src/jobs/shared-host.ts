/**
 * One host process for many jobs (`host.js --serve`): what `ccglm run` launches its tasks' jobs with,
 * so a task costs a fork of its agent, not a Node start-up. The host is detached (own session) and
 * reads its jobs from a pipe; when this process ends, the pipe closes and the host exits after its
 * last job, so the jobs outlive a crashed or interrupted run exactly as per-job hosts do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { hostScript, type JobHost } from './start.js';

export class SharedHost implements JobHost {
  private child: ChildProcess | undefined;

  launch(logDir: string, id: string): void {
    const child = this.current();
    child.stdin?.write(`${JSON.stringify({ logDir: path.resolve(logDir), id })}\n`);
  }

  /** Starts the host process now, so the first job does not wait for it. */
  start(): void {
    this.current();
  }

  /** No more jobs: the host exits once the ones it has are done. */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private current(): ChildProcess {
    const alive =
      this.child !== undefined &&
      this.child.exitCode === null &&
      this.child.signalCode === null &&
      this.child.stdin?.writable === true;
    if (alive) return this.child as ChildProcess;
    const child = spawn(process.execPath, [hostScript, '--serve'], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      cwd: os.tmpdir(),
      env: process.env,
    });
    child.unref();
    // The pipe must not keep this process alive: when it exits, the host sees the end of its input.
    (child.stdin as (Writable & { unref?: () => void }) | null)?.unref?.();
    child.stdin?.on('error', () => undefined);
    child.on('error', () => undefined);
    this.child = child;
    return child;
  }
}
