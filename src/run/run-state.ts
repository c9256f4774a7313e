/**
 * What a run has started, kept with the plan's lock (plan-home.ts: found by the plan, whatever
 * --log-dir) so that `ccglm run --resume` after a dead scheduler adopts the jobs that run instead of
 * starting them again, and a plain re-run sees them and refuses.
 */
import { readFileSync } from 'node:fs';
import { PROVIDERS, type Provider } from '../agent/provider.js';
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
} from './json-shape.js';

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
  /** The target it runs on (absent: this machine). */
  target?: string;
  /** Its attempt on the target, once started there: what --resume re-attaches to. */
  remote?: RemoteAttemptRecord;
}

/**
 * The settings that decide where and how a run's jobs run: a `--resume` without these flags goes on
 * with the dead run's (so the command a refused re-run prints works as typed); flags given win.
 */
export interface RunSettings {
  logDir: string;
  worktreeRoot: string;
  agent?: string;
  agentCmd?: string;
  model?: string;
  pty: boolean;
  strategy: Strategy;
  /** 0: no limit (JSON has no Infinity). */
  concurrency: number;
  isolation: 'task' | 'repo';
  repos?: string;
}

export interface RunState {
  plan: string;
  planId: string;
  /** Where the jobs' files are (the run's --log-dir). */
  logDir?: string;
  /** The claude agent's provider its jobs were started with (a --resume keeps it). */
  provider?: Provider;
  /** The run's settings (absent in a state written before they were kept). */
  settings?: RunSettings;
  tasks: Record<string, StartedTask>;
}

const isRemoteRecord = isObject<RemoteAttemptRecord>(
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

const isStartedTask = isObject<StartedTask>(
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
  { ended: isBoolean, target: isString, remote: isRemoteRecord },
);

const isRunSettings = isObject<RunSettings>(
  {
    logDir: isString,
    worktreeRoot: isString,
    pty: isBoolean,
    strategy: isOneOf<Strategy>(['waves', 'eager']),
    concurrency: isNumber,
    isolation: isOneOf(['task', 'repo'] as const),
  },
  { agent: isString, agentCmd: isString, model: isString, repos: isString },
);

export const isRunState = isObject<RunState>(
  { plan: isString, planId: isString, tasks: isRecordOf(isStartedTask) },
  { logDir: isString, provider: isOneOf(PROVIDERS), settings: isRunSettings },
);

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
