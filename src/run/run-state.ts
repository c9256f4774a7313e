/**
 * What a run has started, kept beside the jobs (`<log-dir>/ccglm-run-<key>.state.json`) so that
 * `ccglm run --resume` after a dead scheduler adopts the jobs that run instead of starting them again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../jobs/store.js';

export interface StartedTask {
  jobId: string;
  branch: string;
  base: string;
  worktree: string;
  repo: string;
  repoPath: string;
  startedAt: number;
  attempt: number;
  /** Its job's end has been handled (the task is no longer the job's to adopt). */
  ended?: boolean;
}

export interface RunState {
  plan: string;
  planId: string;
  tasks: Record<string, StartedTask>;
}

export class RunStateFile {
  readonly file: string;

  constructor(logDir: string, planKey: string) {
    this.file = path.join(logDir, `ccglm-run-${planKey}.state.json`);
  }

  /** The state an earlier run left, if any (unreadable counts as none: nothing to adopt). */
  load(): RunState | undefined {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as RunState;
    } catch {
      return undefined;
    }
  }

  save(state: RunState): void {
    // Atomic (a reader never sees half of it) but not fsynced: it guards against a dead scheduler,
    // not a lost machine. Written twice per task, while the tasks around it wait: one line, and the
    // job store's temp-and-rename (write-file-atomic also sets up and takes down exit handlers on
    // every write).
    writeFileAtomicSync(this.file, `${JSON.stringify(state)}\n`);
  }
}
