/** The typed events of a run: the run loop emits them, renderers (tty / plain / NDJSON) consume them. */

export type TaskEndStatus = 'Completed' | 'Failed' | 'Blocked';

export type RunEvent =
  | {
      type: 'run.start';
      t: number;
      plan: string;
      tasks: string[];
      waves: string[][];
      strategy: string;
      concurrency: number;
      resume: boolean;
      /** The plan's dependencies (from = dependency, to = dependent): what the ETA walks. */
      edges?: { from: string; to: string }[];
      /** The tasks this run is to run (the others are done, or not selected). */
      pending?: string[];
    }
  | {
      type: 'task.start';
      t: number;
      id: string;
      wave: number;
      job: string;
      worktree: string;
      branch: string;
      attempt: number;
      adopted?: boolean;
      /** Its agent completed in an earlier run: only its merge is retried (no job). */
      mergeRetry?: boolean;
    }
  /** The scheduler picked the task: its worktree is prepared and its job launched until task.start. */
  | { type: 'task.launch'; t: number; id: string }
  /** Its job ended (before its end is judged and its branch merged, until task.end). */
  | { type: 'task.exit'; t: number; id: string; exitCode: number }
  | { type: 'task.output'; t: number; id: string; line: string }
  | { type: 'task.restart'; t: number; id: string; job: string; reason: string; attempt: number }
  | {
      type: 'task.end';
      t: number;
      id: string;
      status: TaskEndStatus;
      reason?: string;
      exitCode?: number;
      durationMs?: number;
      commits?: string[];
      filesEdited?: string[];
    }
  | { type: 'run.throttle'; t: number; concurrency: number; until?: number; reason: string }
  | {
      type: 'run.signal';
      t: number;
      signal: string;
      detach: boolean;
      /** A second interrupt: everything is stopped at once. */
      force?: boolean;
    }
  | {
      type: 'run.end';
      t: number;
      exitCode: number;
      completed: number;
      failed: number;
      blocked: number;
      /** Not selected (--only, --from). */
      skipped: number;
      /** Selected but never started (the run was interrupted, or stopped by --continue never). */
      notStarted: number;
      durationMs: number;
    };
