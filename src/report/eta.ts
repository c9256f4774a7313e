/**
 * The ETA of what is left of a run: the tasks still to run, scheduled in a simulation as the run
 * schedules them (their dependencies, the concurrency, with the `waves` strategy a wave after the
 * whole one before), longest remaining path first, each taking what it took before (this run, or
 * an earlier run of the plan), else the median of what the finished ones took. Pure: the caller
 * gives the elapsed times.
 */

export type EtaState = 'done' | 'running' | 'waiting' | 'failed' | 'blocked';

export interface EtaTask {
  id: string;
  deps: string[];
  state: EtaState;
  /** Wave number (1 first), for the `waves` strategy. */
  wave?: number;
  /** A running task: how long it has run. */
  elapsedMs?: number;
}

export interface EtaOptions {
  /** What each task took before (this run, earlier runs). */
  durations: ReadonlyMap<string, number>;
  concurrency: number;
  strategy?: 'waves' | 'eager';
  /** What a task not seen before is expected to take (default: the median of `durations`). */
  typicalMs?: number;
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Milliseconds until the last task that can still run is done; 0 when none is left, undefined when
 * nothing is known yet to estimate from (no task has finished, here or before).
 */
export function estimateRemainingMs(tasks: EtaTask[], options: EtaOptions): number | undefined {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  // Tasks behind a failed or blocked one will not run (the run blocks them).
  const dead = new Set<string>();
  const isDead = (id: string, seen = new Set<string>()): boolean => {
    if (dead.has(id)) return true;
    const task = byId.get(id);
    if (task === undefined || seen.has(id)) return false;
    seen.add(id);
    const result =
      task.state === 'failed' ||
      task.state === 'blocked' ||
      task.deps.some((dep) => isDead(dep, seen));
    if (result) dead.add(id);
    return result;
  };
  const left = tasks.filter(
    (task) => (task.state === 'running' || task.state === 'waiting') && !isDead(task.id),
  );
  if (left.length === 0) return 0;
  const typical = options.typicalMs ?? median([...options.durations.values()]);
  const estimate = (task: EtaTask): number | undefined => {
    const full = options.durations.get(task.id) ?? typical;
    if (full === undefined) return undefined;
    return task.state === 'running' ? Math.max(0, full - (task.elapsedMs ?? 0)) : full;
  };
  const cost = new Map<string, number>();
  for (const task of left) {
    const ms = estimate(task);
    if (ms === undefined) return undefined;
    cost.set(task.id, ms);
  }
  const leftIds = new Set(left.map((task) => task.id));
  // Longest remaining path from each task to the end: the priority (critical path first).
  const dependents = new Map<string, string[]>();
  for (const task of left)
    for (const dep of task.deps)
      if (leftIds.has(dep)) dependents.set(dep, [...(dependents.get(dep) ?? []), task.id]);
  const level = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    level.set(id, 0); // a cycle (a broken plan) ends here
    const value =
      (cost.get(id) ?? 0) + Math.max(0, ...(dependents.get(id) ?? []).map((d) => levelOf(d)));
    level.set(id, value);
    return value;
  };
  for (const id of leftIds) levelOf(id);

  const finish = new Map<string, number>();
  const active: { id: string; end: number }[] = [];
  for (const task of left)
    if (task.state === 'running') active.push({ id: task.id, end: cost.get(task.id) ?? 0 });
  const waiting = left
    .filter((task) => task.state === 'waiting')
    .sort((a, b) => (level.get(b.id) ?? 0) - (level.get(a.id) ?? 0));
  const limit = options.concurrency > 0 ? options.concurrency : Infinity;
  const waves = options.strategy === 'waves';
  let clock = 0;
  const depsDone = (task: EtaTask) =>
    task.deps.every((dep) => !leftIds.has(dep) || finish.has(dep));
  const openWave = () =>
    Math.min(...left.filter((task) => !finish.has(task.id)).map((task) => task.wave ?? Infinity));
  for (;;) {
    const gate = waves ? openWave() : Infinity;
    for (let i = 0; i < waiting.length && active.length < limit;) {
      const task = waiting[i] as EtaTask;
      if (depsDone(task) && (task.wave ?? 0) <= gate) {
        waiting.splice(i, 1);
        active.push({ id: task.id, end: clock + (cost.get(task.id) ?? 0) });
      } else i += 1;
    }
    if (active.length === 0) break;
    active.sort((a, b) => a.end - b.end);
    const next = active.shift() as { id: string; end: number };
    clock = next.end;
    finish.set(next.id, clock);
  }
  return clock;
}

/** `1h02m`, `4m05s`, `12s`, `2.5s`. */
export function formatDuration(ms: number): string {
  if (ms < 9950) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
