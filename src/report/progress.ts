/**
 * A run's overall progress from its events: done / running / waiting / failed counts, the time
 * since it started and the ETA of what is left (eta.ts). Pure: `now` is passed in.
 */
import type { RunEvent } from '../run/events.js';
import { estimateRemainingMs, formatDuration, median, type EtaState, type EtaTask } from './eta.js';

export interface ProgressCounts {
  done: number;
  running: number;
  waiting: number;
  failed: number;
  blocked: number;
  total: number;
}

export class Progress {
  private startedAt: number | undefined;
  private readonly deps = new Map<string, string[]>();
  private readonly waves = new Map<string, number>();
  private readonly states = new Map<string, EtaState>();
  /** When each running task was launched (its span counts launch and merge too). */
  private readonly since = new Map<string, number>();
  /** What each task took in this run, else before (`history`). */
  private readonly durations: Map<string, number>;
  /** What the tasks that ended in this run took, launch to end (when their agent's start is unknown). */
  private readonly recent: number[] = [];
  /** When each running task's agent started (task.start). */
  private readonly agentSince = new Map<string, number>();
  /** This run's ended tasks: agent start to end (the work, the merge). */
  private readonly work: number[] = [];
  /** Launch to agent start, of tasks launched once the run was under way, and of its first batch. */
  private readonly launchDelays: number[] = [];
  private readonly firstBatchDelays: number[] = [];
  /** Tasks launched before any task ended: the run's first batch, which also paid for its start. */
  private readonly firstBatch = new Set<string>();
  private anyEnded = false;
  /** Tasks this run launched (task.launch), not adopted ones. */
  private readonly launched = new Set<string>();
  private concurrency = Infinity;
  private strategy: 'waves' | 'eager' = 'waves';

  constructor(history: ReadonlyMap<string, number> = new Map()) {
    this.durations = new Map(history);
  }

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'run.start': {
        this.startedAt = event.t;
        this.concurrency = event.concurrency;
        this.strategy = event.strategy === 'eager' ? 'eager' : 'waves';
        event.waves.forEach((ids, index) => {
          for (const id of ids) this.waves.set(id, index + 1);
        });
        for (const id of event.tasks) this.deps.set(id, []);
        for (const edge of event.edges ?? []) this.deps.get(edge.to)?.push(edge.from);
        const pending = new Set(event.pending ?? event.tasks);
        for (const id of event.tasks) this.states.set(id, pending.has(id) ? 'waiting' : 'done');
        this.inRun = pending;
        return;
      }
      case 'task.launch':
        this.states.set(event.id, 'running');
        this.since.set(event.id, event.t);
        this.launched.add(event.id);
        if (!this.anyEnded) this.firstBatch.add(event.id);
        return;
      case 'task.start':
        this.states.set(event.id, 'running');
        if (!this.since.has(event.id)) this.since.set(event.id, event.t);
        this.agentSince.set(event.id, event.t);
        return;
      case 'task.restart':
        // Started again now (a stall), or later (a rate limit: it waits again); its time so far is lost.
        if (event.reason.startsWith('rate limited')) {
          this.states.set(event.id, 'waiting');
          this.since.delete(event.id);
        } else this.since.set(event.id, event.t);
        this.agentSince.delete(event.id);
        return;
      case 'task.end': {
        const state =
          event.status === 'Completed' ? 'done' : event.status === 'Failed' ? 'failed' : 'blocked';
        this.states.set(event.id, state);
        const since = this.since.get(event.id);
        const agentSince = this.agentSince.get(event.id);
        if (state === 'done' && since !== undefined) {
          this.durations.set(event.id, event.t - since);
          this.recent.push(event.t - since);
          // Only a task launched in this run says what a launch and its work take (an adopted one,
          // after --resume, starts without a launch, its work half done).
          if (agentSince !== undefined && this.launched.has(event.id)) {
            this.work.push(event.t - agentSince);
            (this.firstBatch.has(event.id) ? this.firstBatchDelays : this.launchDelays).push(
              agentSince - since,
            );
          }
        }
        this.anyEnded = true;
        this.since.delete(event.id);
        this.agentSince.delete(event.id);
        return;
      }
      default:
        return;
    }
  }

  /** The tasks this run is to run (the others were done before it, or not selected). */
  private inRun = new Set<string>();

  counts(): ProgressCounts {
    const counts = {
      done: 0,
      running: 0,
      waiting: 0,
      failed: 0,
      blocked: 0,
      total: this.inRun.size,
    };
    for (const id of this.inRun) counts[this.states.get(id) ?? 'waiting'] += 1;
    return counts;
  }

  /** Milliseconds left (undefined: nothing known to estimate from yet). */
  remainingMs(now: number): number | undefined {
    const tasks: EtaTask[] = [...this.states].map(([id, state]) => ({
      id,
      deps: this.deps.get(id) ?? [],
      state,
      ...(this.waves.has(id) ? { wave: this.waves.get(id) as number } : {}),
      ...(this.since.has(id) ? { elapsedMs: now - (this.since.get(id) as number) } : {}),
    }));
    const typicalMs = this.typicalMs();
    return estimateRemainingMs(tasks, {
      durations: this.durations,
      concurrency: this.concurrency,
      strategy: this.strategy,
      ...(typicalMs !== undefined ? { typicalMs } : {}),
    });
  }

  /**
   * What a task not seen before is expected to take: its work (agent start to end, the upper
   * quartile of this run's: a batch ends with its slower tasks) after a launch delay (the median of
   * tasks launched once the run was under way). The run's first batch waited for its worktrees to be
   * made one after another (later tasks mostly reuse them), so its delays do not count, but for the
   * shortest (one launch that did not queue) until a later task has started. Without agent starts
   * (an older record): the median span.
   */
  private typicalMs(): number | undefined {
    if (this.work.length === 0) return median(this.recent);
    const delay = median(this.launchDelays) ?? Math.min(...this.firstBatchDelays);
    return quantile(this.work, 0.75) + delay;
  }

  /** `3/10 done · 2 running · 4 waiting · 1 failed · 1m02s elapsed · ETA 2m10s` */
  line(now: number): string {
    const c = this.counts();
    const parts = [
      `${c.done}/${c.total} done`,
      `${c.running} running`,
      `${c.waiting} waiting`,
      ...(c.failed > 0 ? [`${c.failed} failed`] : []),
      ...(c.blocked > 0 ? [`${c.blocked} blocked`] : []),
      `${formatDuration(now - (this.startedAt ?? now))} elapsed`,
    ];
    const left = this.remainingMs(now);
    parts.push(left === undefined ? 'ETA unknown' : `ETA ${formatDuration(left)}`);
    return parts.join(' · ');
  }
}

/** The value below which a share `q` of `values` lies. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
