/**
 * One host process for many jobs (`host.js --serve`): what `ccglm run` launches its tasks' jobs with,
 * so a task costs a fork of its agent, not a Node start-up. The host is detached (own session) and
 * reads its jobs from a pipe; when this process ends, the pipe closes and the host exits after its
 * last job, so the jobs outlive a crashed or interrupted run exactly as per-job hosts do. On another
 * pipe it tells when a job's agent runs and when its outcome is written (see watch).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { isObject, isString, parseAs } from '../json-shape.js';
import { hostScript, type JobHost } from './start.js';

type Unref = { unref?: () => void };

/** The host's notice of a job (its agent runs, or it ended). */
const isNotice = isObject({ logDir: isString, id: isString });

export class SharedHost implements JobHost {
  private child: ChildProcess | undefined;
  /** Who waits on which job's files (see watch), by `logDir\0id`. */
  private readonly watchers = new Map<string, Set<() => void>>();
  /** Which host process each job was handed to, by `logDir\0id` (see lost). */
  private readonly hostOf = new Map<string, ChildProcess>();

  launch(logDir: string, id: string): void {
    const child = this.current();
    this.hostOf.set(`${path.resolve(logDir)}\0${id}`, child);
    child.stdin?.write(`${JSON.stringify({ logDir: path.resolve(logDir), id })}\n`);
  }

  /** The host process job `id` was handed to has died: it will never launch or end that job. */
  lost(logDir: string, id: string): boolean {
    const child = this.hostOf.get(`${path.resolve(logDir)}\0${id}`);
    return child !== undefined && (child.exitCode !== null || child.signalCode !== null);
  }

  /**
   * Calls `listener` when the host says job `id`'s agent runs or its outcome is written, until the
   * returned function is called. A hint to look at the job's files, which stay the truth (a waiter
   * still polls them: a host started by another run tells this one nothing).
   */
  watch(logDir: string, id: string, listener: () => void): () => void {
    const key = `${path.resolve(logDir)}\0${id}`;
    let set = this.watchers.get(key);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(key);
    };
  }

  private notice(line: string): void {
    const notice = parseAs(line, isNotice);
    if (notice === undefined) return;
    for (const listener of [...(this.watchers.get(`${notice.logDir}\0${notice.id}`) ?? [])])
      listener();
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
      stdio: ['pipe', 'pipe', 'ignore'],
      cwd: os.tmpdir(),
      env: process.env,
    });
    child.unref();
    // The pipes must not keep this process alive: when it exits, the host sees the end of its input.
    (child.stdin as (Writable & Unref) | null)?.unref?.();
    (child.stdout as (Readable & Unref) | null)?.unref?.();
    child.stdin?.on('error', () => undefined);
    child.on('error', () => undefined);
    // A host that dies tells nothing more: its waiters look at their jobs' files now.
    child.on('exit', () => {
      for (const set of [...this.watchers.values()]) for (const listener of [...set]) listener();
    });
    // Its notices are read for as long as this process lives (after close() too: a host whose
    // notices nobody read would block on them once the pipe is full).
    if (child.stdout !== null) {
      // A broken pipe ends the notices, not the run: waiters still poll the job files.
      child.stdout.on('error', () => undefined);
      createInterface({ input: child.stdout, crlfDelay: Infinity })
        .on('line', (line) => this.notice(line))
        .on('error', () => undefined);
    }
    this.child = child;
    return child;
  }
}
