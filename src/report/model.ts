/**
 * The run as one model, from the compiled plan (tasks, waves, dependencies, statuses) and the event
 * record (times, restarts, pauses): what `ccglm status` and `ccglm report` show. Pure: events and
 * plan in, model out (the caller passes `now` for a run still going).
 */
import type { CompiledPlan } from '../graph/compile.js';
import type { TaskStatus } from '../plan/types.js';
import type { RecordedEvent } from './record.js';

export interface Restart {
  t: number;
  reason: string;
  rateLimit: boolean;
}

export interface TaskModel {
  id: string;
  name: string;
  wave: number;
  deps: string[];
  /** The plan's status (what the run wrote back). */
  status: TaskStatus;
  /** The target it runs on (its `target` field); absent: this machine. */
  target?: string;
  /** The scheduler picked it (its worktree and job were being made until startAt). */
  launchAt?: number;
  /** Its agent started (the last attempt). */
  startAt?: number;
  /** Its agent's first start. */
  firstStartAt?: number;
  /** Its agent ended (its end judged and its branch merged until endAt). */
  exitAt?: number;
  endAt?: number;
  durationMs?: number;
  attempts: number;
  restarts: Restart[];
  reason?: string;
  exitCode?: number;
  jobId?: string;
  branch?: string;
  worktree?: string;
  commits: string[];
  filesEdited: string[];
  /** The dependency whose end it waited for last. */
  waitedOn?: string;
  critical: boolean;
  /** Agent time (sum of its attempts). */
  agentMs: number;
  /** Attempts before the last (restarted): from their start to their restart. */
  earlier: { from: number; to: number }[];
}

export interface RunModel {
  plan: string;
  title?: string;
  planId: string;
  integrationBranch: string;
  startedAt?: number;
  /** The last event's time, or now for a run in progress. */
  endedAt?: number;
  /** A run holds the plan's lock now. */
  live: boolean;
  /** The run ended (its run.end was recorded). */
  finished: boolean;
  exitCode?: number;
  strategy?: string;
  concurrency?: number;
  /** Runs in the chain shown (a --resume continues the run before it). */
  runs: number;
  waves: string[][];
  tasks: TaskModel[];
  throttles: { t: number; until?: number; concurrency: number; reason: string }[];
  signals: { t: number; signal: string; detach: boolean }[];
  /** The critical path as it ran (or, before any run, the plan's). */
  criticalPath: string[];
}

/** The runs to show: the latest, and those it resumed (each --resume continues the one before). */
export function runChain(runs: RecordedEvent[][]): RecordedEvent[] {
  const chain: RecordedEvent[][] = [];
  for (let i = runs.length - 1; i >= 0; i -= 1) {
    const events = runs[i] as RecordedEvent[];
    chain.unshift(events);
    const start = events[0];
    if (start?.type !== 'run.start' || !start.resume) break;
  }
  return chain.flat();
}

export interface ModelInput {
  compiled: CompiledPlan;
  planId: string;
  events: RecordedEvent[];
  runs: number;
  live: boolean;
  now: number;
}

export function buildRunModel(input: ModelInput): RunModel {
  const { compiled, events } = input;
  const waveOf = new Map<string, number>();
  compiled.graph.waves.forEach((ids, i) => ids.forEach((id) => waveOf.set(id, i + 1)));
  const deps = new Map<string, string[]>();
  for (const edge of compiled.graph.edges)
    deps.set(edge.to, [...(deps.get(edge.to) ?? []), edge.from]);
  const tasks = new Map<string, TaskModel>();
  for (const task of compiled.plan.tasks)
    if (!tasks.has(task.id))
      tasks.set(task.id, {
        id: task.id,
        name: task.name,
        wave: waveOf.get(task.id) ?? 0,
        deps: deps.get(task.id) ?? [],
        status: task.status,
        ...(task.target !== undefined && task.target !== 'local' ? { target: task.target } : {}),
        attempts: 0,
        restarts: [],
        commits: [],
        filesEdited: task.filesEdited,
        critical: false,
        agentMs: 0,
        earlier: [],
      });
  /** Each task's agent time per attempt (an adopted job's attempt is the one it adopts). */
  const attemptMs = new Map<string, number[]>();
  const setAttempt = (id: string, ms: number) => {
    const list = attemptMs.get(id) ?? [0];
    list[list.length - 1] = Math.max(0, ms);
    attemptMs.set(id, list);
  };
  const model: RunModel = {
    plan: compiled.plan.file,
    ...(compiled.plan.title !== undefined ? { title: compiled.plan.title } : {}),
    planId: input.planId,
    integrationBranch: `feature-${input.planId}`,
    live: input.live,
    finished: false,
    runs: input.runs,
    waves: compiled.graph.waves,
    tasks: [...tasks.values()],
    throttles: [],
    signals: [],
    criticalPath: compiled.graph.criticalPath,
  };
  let last: number | undefined;
  for (const event of events) {
    last = event.t;
    const task = 'id' in event ? tasks.get(event.id) : undefined;
    switch (event.type) {
      case 'run.start':
        model.startedAt ??= event.t;
        model.strategy = event.strategy;
        model.concurrency = event.concurrency;
        model.finished = false;
        break;
      case 'run.end':
        model.finished = true;
        model.exitCode = event.exitCode;
        break;
      case 'run.throttle':
        model.throttles.push({
          t: event.t,
          concurrency: event.concurrency,
          reason: event.reason,
          ...(event.until !== undefined ? { until: event.until } : {}),
        });
        break;
      case 'run.signal':
        model.signals.push({ t: event.t, signal: event.signal, detach: event.detach });
        break;
      case 'task.launch':
        if (task !== undefined) task.launchAt = event.t;
        break;
      case 'task.start':
        if (task === undefined) break;
        // As task.end's status: the record knows it before the plan's next write says it.
        task.status = 'In Progress';
        task.branch = event.branch;
        task.worktree = event.worktree;
        if (event.job !== '') task.jobId = event.job;
        delete task.endAt;
        // An adopted job goes on with the attempt an earlier run started.
        if (event.adopted === true && task.startAt !== undefined) break;
        task.launchAt ??= event.t;
        task.startAt = event.t;
        task.firstStartAt ??= event.t;
        task.attempts += 1;
        attemptMs.set(task.id, [...(attemptMs.get(task.id) ?? []), 0]);
        delete task.exitAt;
        break;
      case 'task.exit':
        if (task === undefined) break;
        task.exitAt = event.t;
        task.exitCode = event.exitCode;
        if (task.startAt !== undefined) setAttempt(task.id, event.t - task.startAt);
        break;
      case 'task.restart':
        if (task === undefined) break;
        if (task.launchAt !== undefined) task.earlier.push({ from: task.launchAt, to: event.t });
        task.restarts.push({
          t: event.t,
          reason: event.reason,
          rateLimit: event.reason.startsWith('rate limited'),
        });
        if (event.reason.startsWith('rate limited')) {
          // Requeued: launched and started again after the pause.
          delete task.launchAt;
          delete task.startAt;
        } else {
          // Stalled: its job is started again at once, in place.
          task.launchAt = event.t;
          task.startAt = event.t;
          task.attempts += 1;
          attemptMs.set(task.id, [...(attemptMs.get(task.id) ?? []), 0]);
        }
        break;
      case 'task.end':
        if (task === undefined) break;
        task.endAt = event.t;
        if (event.durationMs !== undefined) task.durationMs = event.durationMs;
        if (event.reason !== undefined) task.reason = event.reason;
        else delete task.reason;
        if (event.exitCode !== undefined) task.exitCode = event.exitCode;
        if (event.commits !== undefined) task.commits = event.commits;
        if (event.filesEdited !== undefined) task.filesEdited = event.filesEdited;
        // No task.exit (e.g. a record from before it): its duration is the agent's time.
        if (task.exitAt === undefined && task.startAt !== undefined)
          setAttempt(task.id, event.durationMs ?? event.t - task.startAt);
        task.status = event.status;
        break;
    }
  }
  for (const task of model.tasks)
    task.agentMs = (attemptMs.get(task.id) ?? []).reduce((a, b) => a + b, 0);
  if (last !== undefined) model.endedAt = input.live && !model.finished ? input.now : last;
  for (const task of model.tasks) {
    const ended = task.deps
      .map((id) => tasks.get(id))
      .filter((dep): dep is TaskModel => dep?.endAt !== undefined)
      .sort((a, b) => (b.endAt as number) - (a.endAt as number));
    if (ended[0] !== undefined && task.launchAt !== undefined) task.waitedOn = ended[0].id;
  }
  const path = ranPath(model.tasks, tasks);
  if (path.length > 0) model.criticalPath = path;
  const critical = new Set(model.criticalPath);
  for (const task of model.tasks) task.critical = critical.has(task.id);
  return model;
}

/** The chain that decided the run's end: from the task that ended last, back through what each waited on. */
function ranPath(list: TaskModel[], byId: Map<string, TaskModel>): string[] {
  const ends = list
    .filter((task) => task.endAt !== undefined)
    .sort((a, b) => (b.endAt as number) - (a.endAt as number));
  const path: string[] = [];
  let current = ends[0];
  while (current !== undefined && !path.includes(current.id)) {
    path.unshift(current.id);
    current = current.waitedOn !== undefined ? byId.get(current.waitedOn) : undefined;
  }
  return path;
}
