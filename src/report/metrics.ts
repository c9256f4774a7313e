/**
 * The metrics of a run (the spec's success metrics, and what users compare runs by), from its model.
 */
import type { RunModel } from './model.js';

export interface WaveMetrics {
  wave: number;
  tasks: number;
  startAt?: number;
  endAt?: number;
  durationMs?: number;
}

export interface RunMetrics {
  plan: string;
  tasks: {
    total: number;
    completed: number;
    failed: number;
    blocked: number;
    inProgress: number;
    notStarted: number;
    skipped: number;
  };
  restarts: { total: number; rateLimit: number; other: number };
  rateLimitPauses: number;
  /** Blocked tasks over the tasks that were to run (the spec's target: under 10 %). */
  blockedRate: number;
  wallMs: number;
  /** Time the agents ran, summed over tasks and attempts. */
  agentMs: number;
  /** agentMs / wallMs: how many agents ran at once, on average. */
  parallelism: number;
  /** Picked -> agent running (worktree and job launch), summed. */
  launchWaitMs: number;
  /** Agent ended -> task ended (end judged, branch merged), summed. */
  mergeWaitMs: number;
  waves: WaveMetrics[];
  perTask: { id: string; status: string; durationMs?: number; commits: number; files: number }[];
  branches: string[];
  integrationBranch: string;
  prCommands: string[];
  /** Tasks not done yet (`T2 Failed`): no PR to open before they are. */
  notReady: string[];
  /** The spec's success metrics (per epic: one plan). */
  spec: {
    prsPerEpic: number;
    worktreesPerEpic: number;
    blockedDelegationRate: number;
    founderInterventions: number;
  };
  criticalPath: string[];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function computeMetrics(model: RunModel): RunMetrics {
  const tasks = model.tasks;
  const count = (status: string) => tasks.filter((t) => t.status === status).length;
  const ran = tasks.filter((t) => t.launchAt !== undefined || t.endAt !== undefined);
  const restarts = tasks.flatMap((t) => t.restarts);
  const rateLimit = restarts.filter((r) => r.rateLimit).length;
  const wallMs =
    model.startedAt !== undefined && model.endedAt !== undefined
      ? Math.max(0, model.endedAt - model.startedAt)
      : 0;
  const agentMs = sum(tasks.map((t) => t.agentMs));
  const blocked = count('Blocked');
  const considered =
    ran.length + tasks.filter((t) => t.status === 'Blocked' && !ran.includes(t)).length;
  const blockedRate = considered > 0 ? blocked / considered : 0;
  const waves = model.waves.map((ids, i) => {
    const members = tasks.filter((t) => ids.includes(t.id));
    const starts = members.flatMap((t) => (t.launchAt !== undefined ? [t.launchAt] : []));
    const ends = members.flatMap((t) => (t.endAt !== undefined ? [t.endAt] : []));
    const wave: WaveMetrics = { wave: i + 1, tasks: ids.length };
    if (starts.length > 0) wave.startAt = Math.min(...starts);
    if (ends.length > 0) wave.endAt = Math.max(...ends);
    if (wave.startAt !== undefined && wave.endAt !== undefined)
      wave.durationMs = Math.max(0, wave.endAt - wave.startAt);
    return wave;
  });
  const branches = [...new Set(tasks.flatMap((t) => (t.branch !== undefined ? [t.branch] : [])))];
  const worktrees = new Set(tasks.flatMap((t) => (t.worktree !== undefined ? [t.worktree] : [])));
  const anyCommit = tasks.some((t) => t.status === 'Completed' && t.commits.length > 0);
  // A PR is what to open once every task is done (the run's summary says the same).
  const open = tasks.filter((t) => t.status !== 'Completed' && t.status !== 'Skipped');
  const title = `${model.planId}: ${model.title ?? 'plan'}`;
  return {
    plan: model.plan,
    tasks: {
      total: tasks.length,
      completed: count('Completed'),
      failed: count('Failed'),
      blocked,
      inProgress: count('In Progress'),
      notStarted: count('Not Started'),
      skipped: count('Skipped'),
    },
    restarts: { total: restarts.length, rateLimit, other: restarts.length - rateLimit },
    rateLimitPauses: model.throttles.length,
    blockedRate,
    wallMs,
    agentMs,
    parallelism: wallMs > 0 ? agentMs / wallMs : 0,
    launchWaitMs: sum(
      tasks.map((t) =>
        t.launchAt !== undefined && t.firstStartAt !== undefined
          ? Math.max(0, t.firstStartAt - t.launchAt)
          : 0,
      ),
    ),
    mergeWaitMs: sum(
      tasks.map((t) =>
        t.exitAt !== undefined && t.endAt !== undefined ? Math.max(0, t.endAt - t.exitAt) : 0,
      ),
    ),
    waves,
    perTask: tasks.map((t) => ({
      id: t.id,
      status: t.status,
      ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}),
      commits: t.commits.length,
      files: t.filesEdited.length,
    })),
    branches,
    integrationBranch: model.integrationBranch,
    notReady: open.map((t) => `${t.id} ${t.status}`),
    prCommands:
      anyCommit && open.length === 0
        ? [
            `gh pr create --head ${model.integrationBranch} --title '${title.replace(/'/g, `'\\''`)}' --body-file ${model.plan}`,
          ]
        : [],
    spec: {
      prsPerEpic: anyCommit ? 1 : 0,
      worktreesPerEpic: worktrees.size,
      blockedDelegationRate: blockedRate,
      founderInterventions: model.signals.length + Math.max(0, model.runs - 1),
    },
    criticalPath: model.criticalPath,
  };
}
