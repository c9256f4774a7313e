/**
 * One attempt of one task: its job, its worktree, where it is (being handed to the job host, or
 * running) and the signal that ends the wait for its end. The run keeps one map of these, by task
 * id: what is there runs (or is being launched); nothing else does.
 */
import { setMaxListeners } from 'node:events';
import { waitForJobEnd, type JobEnd, type JobHost } from '../jobs/index.js';
import type { Target } from '../targets/config.js';
import type { RemoteAttempt } from '../targets/remote-attempt.js';
import type { StartedTask } from './run-state.js';
import type { TaskWorkspace } from './worktree-pool.js';

/** The worktree and branch a resume-state entry names. */
export const workspaceOf = (entry: StartedTask): TaskWorkspace => ({
  repo: { name: entry.repo, path: entry.repoPath },
  worktree: entry.worktree,
  branch: entry.branch,
  base: entry.base,
});

export class Attempt {
  /** `launching` while the job is handed to its host (startJob has not returned yet). */
  phase: 'launching' | 'running' = 'launching';
  /** Stall restarts so far (the watchdog's). */
  restarts = 0;
  private controller = new AbortController();
  /** A task on another machine: its target, and once started there, its attempt there (remote.ts). */
  target?: Target;
  remote?: RemoteAttempt;
  /**
   * The write that makes the plan say the task is In Progress, while it is under way (undefined
   * once done): its end is written only after that (the plan never says it ended before it
   * started, and resume.ts reads the two together).
   */
  announcing: Promise<void> | undefined;

  constructor(
    readonly taskId: string,
    readonly jobId: string,
    readonly ws: TaskWorkspace,
    readonly startedAt: number,
    /** 1 for the first attempt; a rate-limit retry is the next. */
    readonly number: number,
    /** Adopted from an earlier run (--resume): its host is that run's, which tells this one nothing. */
    readonly adopted = false,
  ) {
    setMaxListeners(0, this.controller.signal);
  }

  /** What the resume state keeps of it (run-state.ts); `workspaceOf` reads its workspace back. */
  get entry(): StartedTask {
    const { ws } = this;
    return {
      jobId: this.jobId,
      branch: ws.branch,
      base: ws.base,
      worktree: ws.worktree,
      repo: ws.repo.name,
      repoPath: ws.repo.path,
      startedAt: this.startedAt,
      attempt: this.number,
    };
  }

  /**
   * Until its job's outcome is written (or its host is lost). This run's host tells it when the
   * outcome is written; an adopted job's outcome file is watched for. `aborted` after `stopWaiting`.
   */
  waitForEnd(logDir: string, host: JobHost): Promise<JobEnd> {
    return waitForJobEnd(logDir, this.jobId, {
      signal: this.controller.signal,
      pollMs: 500,
      ...(this.adopted ? {} : { host }),
    });
  }

  /** Fires when the wait under way is to end (see stopWaiting). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends the wait under way (a restart, a detach, a forced stop); a later wait gets a fresh signal. */
  stopWaiting(): void {
    this.controller.abort();
    this.controller = new AbortController();
    setMaxListeners(0, this.controller.signal);
  }
}
