/**
 * The scheduler as a pull-based state machine over plain data: `ready()`, `start(id)`,
 * `complete(id, result)`. No I/O, no clock of its own (time is passed in), so every rule is a table
 * test. Strategies `waves` (a wave starts when every task of the previous wave has ended) and `eager`
 * (a task starts when its dependencies completed); `continue` as in turbo.
 */

import {
  buildGraph,
  dagOf,
  topologicalOrder,
  transitiveDependents,
  type TaskGraph,
} from '../graph/dag.js';

export type Strategy = 'waves' | 'eager';
export type ContinueMode = 'never' | 'dependencies-successful' | 'always';
export type TaskState = 'pending' | 'running' | 'completed' | 'failed' | 'blocked' | 'skipped';

export interface SchedulerTask {
  id: string;
  deps: string[];
  /** Already Completed in the plan: counted as done, never started. */
  done?: boolean;
}

export interface SchedulerOptions {
  strategy?: Strategy;
  /** Tasks running at once (default 3; Infinity for no limit). */
  concurrency?: number;
  continue?: ContinueMode;
  /** Run only these tasks (their dependencies must already be Completed). */
  only?: string[];
  /** Run this task and everything downstream of it. */
  from?: string;
}

export type TaskResult = { status: 'completed' } | { status: 'failed' | 'blocked'; reason: string };

export interface TaskSnapshot {
  id: string;
  state: TaskState;
  wave: number;
  reason?: string;
}

export class Scheduler {
  private readonly tasks = new Map<
    string,
    { deps: string[]; dependents: string[]; wave: number }
  >();
  private readonly graph: TaskGraph;
  private readonly states = new Map<string, TaskState>();
  private readonly reasons = new Map<string, string>();
  /** Plan order, every task after its dependencies (what state() lists). */
  private readonly order: string[];
  /** The order tasks start in: longest chain of dependents first, then plan order (see startOrder). */
  private readonly starts: string[];
  private readonly strategy: Strategy;
  private readonly continueMode: ContinueMode;
  private concurrency: number;
  private pausedUntil = 0;
  private stopped = false;
  private halted = false;
  /** Tasks blocked since the last `takeBlocked()`, for the caller's events and write-back. */
  private newlyBlocked: string[] = [];

  constructor(tasks: SchedulerTask[], options: SchedulerOptions = {}) {
    this.strategy = options.strategy ?? 'waves';
    this.continueMode = options.continue ?? 'dependencies-successful';
    this.concurrency = options.concurrency ?? 3;
    // The graph module's graph and order (graphlib): dependencies on unknown tasks and on the task
    // itself are left out there.
    const graph = buildGraph(
      tasks.map((task) => ({ id: task.id, dependsOn: task.deps.map((id) => ({ id })) })),
    );
    this.graph = graph;
    const dag = dagOf(graph);
    for (const id of graph.ids) {
      this.tasks.set(id, {
        deps: dag.predecessors(id) ?? [],
        dependents: dag.successors(id) ?? [],
        wave: 0,
      });
    }
    this.order = topologicalOrder(graph).order.map((node) => graph.ids[node] as string);
    for (const id of this.order) {
      const node = this.tasks.get(id);
      if (node !== undefined)
        node.wave = Math.max(0, ...node.deps.map((dep) => (this.tasks.get(dep)?.wave ?? 0) + 1));
    }
    const selected = selectTasks(this.graph, options);
    for (const task of tasks) {
      if (task.done === true) this.states.set(task.id, 'completed');
      else if (!selected.has(task.id)) this.states.set(task.id, 'skipped');
      else this.states.set(task.id, 'pending');
    }
    // A selected task whose dependency will never run nor has run cannot start.
    for (const id of this.order) {
      if (this.states.get(id) !== 'pending') continue;
      const missing = this.tasks.get(id)?.deps.find((dep) => this.states.get(dep) === 'skipped');
      if (missing !== undefined)
        this.block(id, `dependency ${missing} is not Completed and not part of this run`);
    }
    // Chains count the tasks this run will start (not those done, skipped or blocked already).
    this.starts = startOrder(this.order, (id) =>
      (this.tasks.get(id)?.dependents ?? []).filter((next) => this.states.get(next) === 'pending'),
    );
  }

  /**
   * Tasks that may start now, within the concurrency limit: those heading the longest chains of
   * dependents first (a chain bounds the run's length), then in plan order.
   */
  ready(now = 0): string[] {
    if (this.stopped || now < this.pausedUntil) return [];
    const free = this.concurrency - this.count('running');
    if (free <= 0) return [];
    const gate = this.strategy === 'waves' ? this.openWave() : Infinity;
    const out: string[] = [];
    for (const id of this.starts) {
      if (out.length >= free) break;
      if (this.states.get(id) !== 'pending') continue;
      const node = this.tasks.get(id);
      if (node === undefined || node.wave > gate) continue;
      const depsOk = node.deps.every((dep) => {
        const state = this.states.get(dep);
        return state === 'completed' || (this.continueMode === 'always' && isEnded(state));
      });
      if (depsOk) out.push(id);
    }
    return out;
  }

  /**
   * Pending tasks that wait only for running ones (every dependency running or completed, one at
   * least running): what `ready()` will most likely return next, in start order. A runner prepares
   * their workspaces while it waits.
   */
  upcoming(): string[] {
    if (this.stopped || this.halted) return [];
    const out: string[] = [];
    for (const id of this.starts) {
      if (this.states.get(id) !== 'pending') continue;
      const deps = this.tasks.get(id)?.deps ?? [];
      const states = deps.map((dep) => this.states.get(dep));
      if (
        states.includes('running') &&
        states.every((state) => state === 'running' || state === 'completed')
      )
        out.push(id);
    }
    return out;
  }

  /** Whether a task still to run depends on `id` (so finishing `id` quickly matters). */
  isAwaited(id: string): boolean {
    return (this.tasks.get(id)?.dependents ?? []).some((dep) => this.states.get(dep) === 'pending');
  }

  start(id: string): void {
    if (this.states.get(id) !== 'pending')
      throw new Error(`cannot start ${id}: it is ${this.states.get(id) ?? 'unknown'}`);
    this.states.set(id, 'running');
  }

  /** A running task goes back to pending (its agent was rate limited): it starts again later. */
  requeue(id: string): void {
    if (this.states.get(id) !== 'running')
      throw new Error(`cannot requeue ${id}: it is ${this.states.get(id) ?? 'unknown'}`);
    this.states.set(id, 'pending');
  }

  /** For resume: a task whose job is already running is adopted, not started again. */
  adopt(id: string): void {
    if (this.states.get(id) === 'pending') this.states.set(id, 'running');
  }

  complete(id: string, result: TaskResult): void {
    const state = this.states.get(id);
    if (state !== 'running' && state !== 'pending')
      throw new Error(`cannot complete ${id}: it is ${state ?? 'unknown'}`);
    if (result.status === 'completed') {
      this.states.set(id, 'completed');
      this.reasons.delete(id);
      return;
    }
    this.states.set(id, result.status);
    this.reasons.set(id, result.reason);
    // After halt() (the user interrupted the run) tasks not reached stay pending, not blocked.
    if (this.halted || this.continueMode === 'always') return;
    if (this.continueMode === 'never') {
      this.stopped = true;
      for (const other of this.order)
        if (this.states.get(other) === 'pending')
          this.block(other, `the run stopped after ${id} ${result.status} (--continue never)`);
      return;
    }
    for (const dependent of this.downstream(id))
      if (this.states.get(dependent) === 'pending')
        this.block(
          dependent,
          `dependency ${id} ${result.status === 'failed' ? 'failed' : 'is blocked'}`,
        );
  }

  /** Rate limits: fewer at once, and/or nothing new before `until` (ms, the caller's clock). */
  throttle(options: { concurrency?: number; until?: number }): void {
    if (options.concurrency !== undefined) this.concurrency = Math.max(1, options.concurrency);
    if (options.until !== undefined) this.pausedUntil = Math.max(this.pausedUntil, options.until);
  }

  /** Stop starting tasks (SIGINT): pending ones stay pending. */
  halt(): void {
    this.stopped = true;
    this.halted = true;
  }

  get currentConcurrency(): number {
    return this.concurrency;
  }

  get resumeAt(): number {
    return this.pausedUntil;
  }

  /** Ids blocked since the last call. */
  takeBlocked(): string[] {
    const out = this.newlyBlocked;
    this.newlyBlocked = [];
    return out;
  }

  /** Nothing runs and nothing more will start (the plan was checked acyclic before). */
  isDone(): boolean {
    return this.count('running') === 0 && (this.stopped || this.count('pending') === 0);
  }

  snapshot(id: string): TaskSnapshot | undefined {
    const state = this.states.get(id);
    const node = this.tasks.get(id);
    if (state === undefined || node === undefined) return undefined;
    const reason = this.reasons.get(id);
    return { id, state, wave: node.wave + 1, ...(reason !== undefined ? { reason } : {}) };
  }

  state(): TaskSnapshot[] {
    return this.order.map((id) => this.snapshot(id) as TaskSnapshot);
  }

  private count(state: TaskState): number {
    let n = 0;
    for (const value of this.states.values()) if (value === state) n += 1;
    return n;
  }

  /** The lowest wave that still has a task not ended: waves above it wait. */
  private openWave(): number {
    let open = Infinity;
    for (const id of this.order) {
      const state = this.states.get(id);
      if (state === 'pending' || state === 'running')
        open = Math.min(open, this.tasks.get(id)?.wave ?? 0);
    }
    return open;
  }

  private downstream(id: string): string[] {
    const below = new Set(transitiveDependents(this.graph, id));
    return this.order.filter((other) => below.has(other));
  }

  private block(id: string, reason: string): void {
    this.states.set(id, 'blocked');
    this.reasons.set(id, reason);
    this.newlyBlocked.push(id);
  }
}

function isEnded(state: TaskState | undefined): boolean {
  return state === 'completed' || state === 'failed' || state === 'blocked';
}

function selectTasks(graph: TaskGraph, options: SchedulerOptions): Set<string> {
  if (options.only !== undefined) return new Set(options.only.filter((id) => graph.index.has(id)));
  if (options.from !== undefined)
    return graph.index.has(options.from)
      ? new Set([options.from, ...transitiveDependents(graph, options.from)])
      : new Set();
  return new Set(graph.ids);
}

/**
 * Longest chain first: tasks by the number of tasks on the longest path from them to the end of
 * the graph (their own included), ties in `order`. A task always comes before its dependents (its
 * chain is longer by one at least), so it is still a topological order. The critical-path rule of
 * list schedulers (ninja and Bazel order their ready work by it too): with fewer slots than ready
 * tasks, the one that would otherwise hold the run's end back goes first.
 */
function startOrder(order: string[], dependentsOf: (id: string) => string[]): string[] {
  const chain = new Map<string, number>();
  for (const id of [...order].reverse())
    chain.set(id, 1 + Math.max(0, ...dependentsOf(id).map((next) => chain.get(next) ?? 0)));
  const position = new Map(order.map((id, i) => [id, i]));
  return [...order].sort(
    (a, b) =>
      (chain.get(b) ?? 0) - (chain.get(a) ?? 0) || (position.get(a) ?? 0) - (position.get(b) ?? 0),
  );
}
