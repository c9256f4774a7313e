/**
 * What one run knows and records: its settings, the plan's tasks, the attempts under way (one map),
 * how each task ended, the resume state file; and the one way a task ends (`endTask`: scheduler,
 * plan write-back, event). The parts of a run (launch.ts, follow.ts, supervise.ts, resume.ts,
 * run.ts's loop) act through it.
 */
import { readFile } from 'node:fs/promises';
import type { Provider } from '../agent/provider.js';
import type { CompiledPlan } from '../graph/compile.js';
import type { SharedHost } from '../jobs/index.js';
import { taskNow, type TaskNow } from '../plan/task-now.js';
import type { Task, TaskStatus } from '../plan/types.js';
import type { Target } from '../targets/config.js';
import { Scheduler } from '../schedule/scheduler.js';
import type { Attempt } from './attempt.js';
import type { RunEvent, TaskEndStatus } from './events.js';
import { failedMergeBranch } from './merge-retry.js';
import type { PlanHome } from './plan-home.js';
import { PlanWriter } from './plan-writer.js';
import type { ResolvedRepo } from './repos.js';
import {
  onRunTarget,
  planIdOf,
  settingsOf,
  type ResolvedOptions,
  type StopSignal,
} from './run-options.js';
import { RunStateFile, type RunState, type StartedTask } from './run-state.js';
import type { TaskEnd } from './summary.js';
import { withEarlierAttempt } from './task-log.js';
import { Workspace } from './workspace.js';

type TaskStartEvent = Extract<RunEvent, { type: 'task.start' }>;

export interface TaskEndDetails {
  reason?: string;
  exitCode?: number;
  commits: string[];
  filesEdited?: string[];
  /** Lines for the plan's log field (default: the reason). */
  log?: string[];
  durationMs?: number;
}

export class RunCore {
  readonly planId: string;
  readonly writer: PlanWriter;
  readonly workspace: Workspace;
  readonly scheduler: Scheduler;
  /** The plan's tasks by id (the first of a duplicated id). */
  readonly tasks = new Map<string, Task>();
  /** The attempts being launched or running, by task id: the one record of what runs. */
  readonly attempts = new Map<string, Attempt>();
  readonly ended = new Map<string, TaskEnd>();
  /** Rate-limit retries so far, by task id (rate-limits.ts). */
  readonly rateRetries = new Map<string, number>();
  /** Tasks whose agent completed in an earlier run but whose merge failed: their branch, by task id. */
  readonly mergeRetries = new Map<string, string>();
  /** Tasks whose jobs were left running (--detach). */
  readonly leftRunning = new Set<string>();
  /** Job ends being judged (a merge may be under way): a run ending meanwhile finishes them. */
  readonly settling = new Set<Promise<void>>();
  readonly stateFile: RunStateFile;
  state: RunState;
  repos = new Map<string, ResolvedRepo>();
  /** The targets of tasks that run elsewhere, by name (checked ready by the preflight). */
  targets = new Map<string, Target>();
  /** The folder of SSH control sockets: one connection per target for the run (ssh.ts muxFolder). */
  mux: string | undefined;
  /** The claude agent's provider, as the preflight chose it. */
  provider: Provider | undefined;
  interrupted: StopSignal | undefined;
  /** --detach and Ctrl-C: the jobs run on, this run ends now (`--resume` adopts them). */
  detached = false;
  /** A second interrupt stopped everything (stopNow): nothing more is started or recorded. */
  stoppedNow = false;
  /** Wakes the run's loop (a task ended, a throttle ends). */
  wake: () => void = () => {};
  readonly now = Date.now;

  constructor(
    readonly options: ResolvedOptions,
    readonly compiled: CompiledPlan,
    readonly planPath: string,
    readonly home: PlanHome,
    /** One host process for all of this run's jobs (it outlives the run while they run). */
    readonly host: SharedHost,
    /** The plan's text the run read (`compiled` is of it). */
    planText: string,
  ) {
    this.planId = planIdOf(planPath);
    this.writer = new PlanWriter(planPath, {
      size: Buffer.byteLength(planText),
      startLogs: new Map(compiled.plan.tasks.map((task) => [task.id, task.log])),
    });
    this.workspace = new Workspace(this.planId, options.worktreeRoot, options.isolation);
    for (const task of compiled.plan.tasks)
      if (!this.tasks.has(task.id)) {
        this.tasks.set(task.id, task);
        this.sources.set(task.id, planText.slice(task.span.start.offset, task.span.end.offset));
      }
    for (const task of this.tasks.values()) {
      const branch = failedMergeBranch(task);
      if (branch !== undefined) this.mergeRetries.set(task.id, branch);
    }
    // Dependencies from the graph; done when Completed or Skipped.
    const deps = new Map(compiled.graph.edges.map((e) => [e.to, [] as string[]]));
    for (const edge of compiled.graph.edges) deps.get(edge.to)?.push(edge.from);
    const tasks = [...this.tasks.values()].map((task) => ({
      id: task.id,
      deps: deps.get(task.id) ?? [],
      done: task.status === 'Completed' || task.status === 'Skipped',
    }));
    this.scheduler = new Scheduler(tasks, {
      strategy: options.strategy,
      concurrency: options.concurrency,
      ...(options.continue !== undefined ? { continue: options.continue } : {}),
      ...(options.only !== undefined ? { only: options.only } : {}),
      ...(options.from !== undefined ? { from: options.from } : {}),
    });
    this.stateFile = new RunStateFile(home.state);
    this.state = {
      plan: planPath,
      planId: this.planId,
      logDir: options.logDir,
      settings: settingsOf(options),
      tasks: {},
    };
  }

  /** The profile the tasks run, as the plan's log names it (`custom` for --agent-cmd). */
  get agentName(): string {
    return this.options.agentCmd !== undefined ? 'custom' : (this.options.agent ?? 'claude');
  }

  /** The attempts whose agents run (not those still being handed to the host). */
  running(): Attempt[] {
    return [...this.attempts.values()].filter((attempt) => attempt.phase === 'running');
  }

  saveState(): void {
    this.stateFile.save(this.state);
  }

  /** The attempt joins the record of what runs and the resume state (saved before its job starts). */
  record(attempt: Attempt, where: Pick<StartedTask, 'target' | 'remote'> = {}): void {
    this.attempts.set(attempt.taskId, attempt);
    this.state.tasks[attempt.taskId] = { ...attempt.entry, ...where };
    this.saveState();
  }

  /** An attempt's job starts again (`number` is the attempt it starts): it stalled, or hit a rate limit. */
  emitRestart(attempt: Attempt, reason: string, number: number): void {
    const { taskId: id, jobId: job } = attempt;
    this.options.emit({ type: 'task.restart', t: this.now(), id, job, reason, attempt: number });
  }

  /** A task's `task.start` event, in the wave the scheduler gives it. */
  emitStart(id: string, start: Omit<TaskStartEvent, 'type' | 't' | 'id' | 'wave'>): void {
    const wave = this.scheduler.snapshot(id)?.wave ?? 0;
    this.options.emit({ type: 'task.start', t: this.now(), id, wave, ...start });
  }

  /**
   * Attempts of a dead run that were cut off with their job host (no outcome): what the plan is to
   * say of them in the task's next attempt (their work stays on their branch), by task id.
   */
  cutOff = new Map<string, string>();

  /** A task's log lines, with what is known of its earlier attempt (the plan's, or a cut-off one). */
  logOf(id: string, lines: string[]): string {
    const notes = [this.editNotes.get(id), this.cutOff.get(id)].filter((n) => n !== undefined);
    return withEarlierAttempt(this.tasks.get(id), [...lines, ...notes]);
  }

  /** Each task's text as the run read it (heading to field list), to see whether it was edited since. */
  private readonly sources = new Map<string, string>();
  /** What became of an edit made to a task after the run read the plan (task-now.ts), by task id. */
  private readonly editNotes = new Map<string, string>();

  /** The task as the plan says now, when it starts (a person may have edited it since the run began). */
  async taskNow(id: string): Promise<TaskNow> {
    const start = this.tasks.get(id) as Task;
    const source = this.sources.get(id);
    await this.writer.still(); // not in the middle of a person's save
    const text = await readFile(this.planPath, 'utf8').catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? null : undefined,
    );
    // Moved or deleted: nothing more starts from a plan that is not there (nor can say so).
    if (text === null)
      return {
        task: start,
        leftOut: 'plan-gone',
        note: `${this.options.plan} was moved or deleted during the run: ${id} not started`,
      };
    if (source === undefined || text === undefined) return { task: start };
    const now = taskNow(start, source, text, this.planPath, (task) =>
      onRunTarget(task, this.options.target),
    );
    if (now.note !== undefined) this.editNotes.set(id, now.note);
    if (now.task !== start) {
      this.tasks.set(id, now.task);
      this.sources.set(id, text.slice(now.task.span.start.offset, now.task.span.end.offset));
    }
    return now;
  }

  /** Tasks of the repo that have not started yet (and may still start). */
  notStartedIn(repo: ResolvedRepo): string[] {
    return this.scheduler
      .state()
      .filter((task) => task.state === 'pending' && this.repos.get(task.id)?.path === repo.path)
      .map((task) => task.id);
  }

  /** The resume state says this task's job is dealt with (a re-run does not adopt it). */
  markEnded(id: string): void {
    const entry = this.state.tasks[id];
    if (entry !== undefined) entry.ended = true;
  }

  /** Work judging a job's end, tracked until done: a run ending meanwhile (--detach) finishes it. */
  track(work: Promise<void>): Promise<void> {
    this.settling.add(work);
    const done = () => void this.settling.delete(work);
    work.then(done, done);
    return work;
  }

  /** Once the plan says the attempt's task started, and the event said so: written now if still waiting. */
  announced(attempt: Attempt): Promise<void> {
    if (attempt.announcing !== undefined) this.writer.hurry();
    return attempt.announcing ?? Promise.resolve();
  }

  /** An attempt is over: it leaves the record of what runs, then its task ends. */
  async finishAttempt(
    attempt: Attempt,
    status: TaskEndStatus,
    details: TaskEndDetails,
    /** Its job may still end well (a target out of reach): --resume is to take it up again. */
    resumable = false,
  ): Promise<void> {
    this.attempts.delete(attempt.taskId);
    // Ended only once the plan has said it started (resume.ts reads the two together).
    await this.announced(attempt);
    if (!resumable) this.markEnded(attempt.taskId);
    this.saveState();
    await this.endTask(attempt.taskId, status, {
      ...details,
      durationMs: details.durationMs ?? this.now() - attempt.startedAt,
    });
  }

  async endTask(id: string, status: TaskEndStatus, details: TaskEndDetails): Promise<void> {
    const state = this.scheduler.snapshot(id)?.state;
    if (state === 'running' || state === 'pending')
      this.scheduler.complete(
        id,
        status === 'Completed'
          ? { status: 'completed' }
          : {
              status: status === 'Failed' ? 'failed' : 'blocked',
              reason: details.reason ?? status,
            },
      );
    this.ended.set(id, {
      status,
      commits: details.commits,
      ...(details.durationMs !== undefined ? { durationMs: details.durationMs } : {}),
      ...(details.reason !== undefined ? { reason: details.reason } : {}),
    });
    const log = this.logOf(id, details.log ?? [details.reason ?? status]);
    void this.writer.write({
      taskId: id,
      status: status as TaskStatus,
      log,
      ...(details.filesEdited !== undefined ? { filesEdited: details.filesEdited } : {}),
    });
    this.options.emit({
      type: 'task.end',
      t: this.now(),
      id,
      status,
      ...(details.reason !== undefined ? { reason: details.reason } : {}),
      ...(details.exitCode !== undefined ? { exitCode: details.exitCode } : {}),
      ...(details.durationMs !== undefined ? { durationMs: details.durationMs } : {}),
      commits: details.commits,
      ...(details.filesEdited !== undefined ? { filesEdited: details.filesEdited } : {}),
    });
    await this.recordBlocked();
    this.wake();
  }

  /** Dependents the scheduler blocked: write them back and report them. */
  async recordBlocked(): Promise<void> {
    for (const id of this.scheduler.takeBlocked()) {
      void this.workspace.dropAhead(id);
      const reason = this.scheduler.snapshot(id)?.reason ?? 'blocked';
      this.ended.set(id, { status: 'Blocked', commits: [], reason });
      void this.writer.write({
        taskId: id,
        status: 'Blocked',
        log: this.logOf(id, [`not started: ${reason}`]),
      });
      this.options.emit({ type: 'task.end', t: this.now(), id, status: 'Blocked', reason });
    }
  }
}
