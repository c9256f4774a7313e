/**
 * What a run has started, kept with the plan's lock (plan-home.ts: found by the plan, whatever
 * --log-dir) so that `ccglm run --resume` after a dead scheduler adopts the jobs that run instead of
 * starting them again, and a plain re-run sees them and refuses.
 */
import { readFileSync } from 'node:fs';
import { PROVIDERS } from '../agent/provider.js';
import type { Strategy } from '../schedule/scheduler.js';
import { writeFileAtomicSync } from '../jobs/store.js';
import type { RemoteAttemptRecord } from '../targets/remote-attempt.js';
import {
  isBoolean,
  isNumber,
  isObject,
  isOneOf,
  isRecordOf,
  isString,
  parseAs,
  type Check,
  type Checked,
} from '../json-shape.js';

const isRemoteRecord: Check<RemoteAttemptRecord> = isObject(
  {
    target: isString,
    root: isString,
    jobId: isString,
    repoName: isString,
    branch: isString,
    attempt: isNumber,
  },
  { runId: isString },
);

const isStartedTask = isObject(
  {
    jobId: isString,
    branch: isString,
    base: isString,
    worktree: isString,
    repo: isString,
    repoPath: isString,
    startedAt: isNumber,
    attempt: isNumber,
  },
  {
    /** Its job's end has been handled (the task is no longer the job's to adopt). */
    ended: isBoolean,
    /** The target it runs on (absent: this machine). */
    target: isString,
    /** Its attempt on the target, once started there: what --resume re-attaches to. */
    remote: isRemoteRecord,
  },
);
export type StartedTask = Checked<typeof isStartedTask>;

/**
 * The settings that decide where and how a run's jobs run: a `--resume` without these flags goes on
 * with the dead run's (so the command a refused re-run prints works as typed); flags given win.
 */
const isRunSettings = isObject(
  {
    logDir: isString,
    worktreeRoot: isString,
    pty: isBoolean,
    strategy: isOneOf<Strategy>(['waves', 'eager']),
    /** 0: no limit (JSON has no Infinity). */
    concurrency: isNumber,
    isolation: isOneOf(['task', 'repo'] as const),
  },
  { agent: isString, agentCmd: isString, model: isString, repos: isString },
);
export type RunSettings = Checked<typeof isRunSettings>;

export const isRunState = isObject(
  { plan: isString, planId: isString, tasks: isRecordOf(isStartedTask) },
  {
    /** Where the jobs' files are (the run's --log-dir). */
    logDir: isString,
    /** The claude agent's provider its jobs were started with (a --resume keeps it). */
    provider: isOneOf(PROVIDERS),
    /** The run's settings (absent in a state written before they were kept). */
    settings: isRunSettings,
  },
);
export type RunState = Checked<typeof isRunState>;

export class RunStateFile {
  constructor(readonly file: string) {}

  /**
   * The state an earlier run left, if any. Unreadable, or not of a run state's shape (checked field
   * by field), counts as none: nothing to adopt.
   */
  load(): RunState | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    return parseAs(text, isRunState);
  }

  /** Its folder exists: the plan's lock, beside it, made it. */
  save(state: RunState): void {
    // Atomic (a reader never sees half of it) but not fsynced: it guards against a dead scheduler,
    // not a lost machine. Written twice per task, while the tasks around it wait: one line, and the
    // job store's temp-and-rename (write-file-atomic also sets up and takes down exit handlers on
    // every write).
    writeFileAtomicSync(this.file, `${JSON.stringify(state)}\n`);
  }
}
