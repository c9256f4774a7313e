/**
 * What `ccglm run` is given, and what it goes with: the options given, else (`--resume`) the dead
 * run's settings from its state, else the defaults; and the plan's id from its file name.
 */
import path from 'node:path';
import type { Provider } from '../agent/provider.js';
import { resolveLogDir } from '../jobs/index.js';
import type { ContinueMode, Strategy } from '../schedule/scheduler.js';
import type { RunEvent } from './events.js';
import type { RunSettings } from './run-state.js';
import type { Task } from '../plan/types.js';
import { LOCAL } from '../targets/config.js';

/** `--target NAME`: a task naming no target runs there (`local`: where it is). */
export function onRunTarget(task: Task, target: string | undefined): Task {
  return target === undefined || target === LOCAL || task.target !== undefined
    ? task
    : { ...task, target };
}

/**
 * The signals that stop a run: Ctrl-C, `kill`, and a closed terminal (SIGHUP: the run detaches, as
 * with --detach, since nobody is there to watch it).
 */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** The shell's exit code for a run a signal stopped: 128 + its number (130, 143, 129). */
export const signalExitCode = (signal: StopSignal): number =>
  128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal];

export interface RunOptions {
  plan: string;
  dryRun?: boolean;
  strategy?: Strategy;
  concurrency?: number;
  continue?: ContinueMode;
  only?: string[];
  from?: string;
  agent?: string;
  agentCmd?: string;
  model?: string;
  /** The claude agent's provider (default: auto-detected by the preflight, see provider.ts). */
  provider?: Provider;
  /** Only the preflight: print each check, start and change nothing. */
  check?: boolean;
  /** Where the jobs' files go (default: with --resume the dead run's, else $CC_GLM_LOG_DIR or /tmp/cc-glm-jobs). */
  logDir?: string;
  /** Where task worktrees go (default: with --resume the dead run's, else /tmp/agents). */
  worktreeRoot?: string;
  isolation?: 'task' | 'repo';
  repos?: string;
  /** Tasks without a `target` field run on this target (--target; default: this machine). */
  target?: string;
  /** The ccglm.config.json whose agents the run's agents use (found by the CLI from the plan's folder). */
  configPath?: string;
  resume?: boolean;
  detach?: boolean;
  push?: boolean;
  pty?: boolean;
  stallMinutes?: number;
  emit: (event: RunEvent) => void;
  /** Where the summary and diagnostics go. */
  print: (text: string) => void;
  /** Resolves when the user interrupts (SIGINT/SIGTERM). */
  interrupted?: Promise<StopSignal>;
  /** Resolves on a second interrupt: every agent is killed at once, the plan recorded, the run ends. */
  forced?: Promise<StopSignal>;
}

/** The options a run goes with: those given, else (--resume) the dead run's, else the defaults. */
export type ResolvedOptions = RunOptions &
  Required<
    Pick<RunOptions, 'logDir' | 'worktreeRoot' | 'pty' | 'strategy' | 'concurrency' | 'isolation'>
  >;

/**
 * `--resume` goes on with the settings of the run it takes over (its state's), except those given:
 * the command a refused re-run prints works as typed, whatever flags the dead run had.
 */
export function resolveOptions(given: RunOptions, saved: RunSettings | undefined): ResolvedOptions {
  const agentGiven = given.agent !== undefined || given.agentCmd !== undefined;
  const agent = agentGiven ? given.agent : saved?.agent;
  const agentCmd = agentGiven ? given.agentCmd : saved?.agentCmd;
  const model = given.model ?? saved?.model;
  const repos = given.repos ?? saved?.repos;
  const savedConcurrency = saved?.concurrency === 0 ? Infinity : saved?.concurrency;
  return {
    ...given,
    logDir: given.logDir ?? saved?.logDir ?? resolveLogDir(undefined, process.env),
    worktreeRoot: given.worktreeRoot ?? saved?.worktreeRoot ?? path.resolve('/tmp/agents'),
    ...(agent !== undefined ? { agent } : {}),
    ...(agentCmd !== undefined ? { agentCmd } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(repos !== undefined ? { repos } : {}),
    pty: given.pty ?? saved?.pty ?? false,
    strategy: given.strategy ?? saved?.strategy ?? 'waves',
    concurrency: given.concurrency ?? savedConcurrency ?? 3,
    isolation: given.isolation ?? saved?.isolation ?? 'task',
  };
}

/** What the run state keeps of a run's options (see resolveOptions). */
export function settingsOf(options: ResolvedOptions): RunSettings {
  const { concurrency } = options;
  return {
    logDir: options.logDir,
    worktreeRoot: options.worktreeRoot,
    ...(options.agent !== undefined ? { agent: options.agent } : {}),
    ...(options.agentCmd !== undefined ? { agentCmd: options.agentCmd } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.repos !== undefined ? { repos: options.repos } : {}),
    pty: options.pty,
    strategy: options.strategy,
    concurrency: Number.isFinite(concurrency) ? concurrency : 0,
    isolation: options.isolation,
  };
}

export function planIdOf(planPath: string): string {
  const base = path
    .basename(planPath)
    .replace(/\.md$/i, '')
    .replace(/[-_.]?plan$/i, '');
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return clean.length > 0 ? clean : 'plan';
}
