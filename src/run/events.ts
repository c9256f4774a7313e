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

export type RunEventSink = (event: RunEvent) => void;
