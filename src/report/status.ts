/**
 * `ccglm status PLAN`: one screen, per wave and task: state, elapsed time or duration, the health of
 * running jobs, what blocks what; and an exit code by the plan's state (for scripts).
 */
import type { TaskModel, RunModel } from './model.js';
import { formatDuration } from './eta.js';

/** `ccglm status` exit codes (besides 1: the plan cannot be read or has errors; 2: usage). */
export const StatusExit = {
  /** Every task Completed (or Skipped). */
  done: 0,
  /** A run holds the plan's lock: it is in progress. */
  running: 3,
  /** No run in progress, and at least one task Failed. */
  failed: 4,
  /** No run in progress, none Failed, at least one Blocked. */
  blocked: 5,
  /** No run in progress, and tasks are left to run (Not Started, or In Progress from a run that died). */
  unfinished: 6,
} as const;

export function statusExitCode(model: RunModel): number {
  if (model.live) return StatusExit.running;
  const statuses = model.tasks.map((task) => task.status);
  if (statuses.includes('Failed')) return StatusExit.failed;
  if (statuses.includes('Blocked')) return StatusExit.blocked;
  if (statuses.every((s) => s === 'Completed' || s === 'Skipped')) return StatusExit.done;
  return StatusExit.unfinished;
}

const marks: Record<string, string> = {
  Completed: '✓',
  Failed: '✗',
  Blocked: '■',
  'In Progress': '…',
  Skipped: '-',
  'Not Started': '·',
};

/** Why a task has not run, or what it waits for. */
function blocker(task: TaskModel, byId: Map<string, TaskModel>): string {
  const open = task.deps.filter((id) => {
    const status = byId.get(id)?.status;
    return status !== 'Completed' && status !== 'Skipped';
  });
  const bad = open.filter((id) => ['Failed', 'Blocked'].includes(byId.get(id)?.status ?? ''));
  if (bad.length > 0)
    return `blocked by ${bad.map((id) => `${id} (${byId.get(id)?.status.toLowerCase()})`).join(', ')}`;
  if (open.length > 0) return `waits for ${open.join(', ')}`;
  return 'ready';
}

export interface StatusInput {
  model: RunModel;
  now: number;
  /** A running job's health word (e.g. `healthy`, `stalled`), by job id. */
  health: (jobId: string) => string | undefined;
  /** The overall progress line of a run in progress (`Progress.line`). */
  progress?: string;
  /** Who runs the plan, when a run does. */
  holder?: string;
}

/** A job whose agent has ended while no run follows it, in words (the job runner's are `exited_*`). */
const LEFT: Record<string, string> = {
  exited_ok: 'its agent ended (exit 0), not merged yet',
  exited_err: 'its agent failed, not recorded yet',
};

export function renderStatus(input: StatusInput): string {
  const { model, now } = input;
  const byId = new Map(model.tasks.map((task) => [task.id, task]));
  const count = (status: string) => model.tasks.filter((task) => task.status === status).length;
  const lines: string[] = [];
  const state = model.live
    ? `running${input.holder !== undefined ? ` (${input.holder})` : ''}`
    : model.startedAt === undefined
      ? 'never run by this user (no run record)'
      : model.finished
        ? `last run ended ${formatDuration(now - (model.endedAt ?? now))} ago (exit ${model.exitCode ?? '?'})`
        : 'last run stopped without its end (interrupted or killed; ccglm run --resume goes on)';
  lines.push(`${model.plan}: ${state}`);
  lines.push(
    `${count('Completed')}/${model.tasks.length} completed, ${count('In Progress')} in progress, ${count('Failed')} failed, ${count('Blocked')} blocked, ${count('Not Started')} not started${count('Skipped') > 0 ? `, ${count('Skipped')} skipped` : ''}`,
  );
  if (input.progress !== undefined) lines.push(input.progress);
  const width = Math.max(2, ...model.tasks.map((task) => task.id.length));
  model.waves.forEach((ids, index) => {
    lines.push(`Wave ${index + 1}`);
    for (const id of ids) {
      const task = byId.get(id);
      if (task !== undefined) lines.push(`  ${taskLine(task, byId, width, input)}`);
    }
  });
  // Jobs no run follows (--detach, a closed terminal, a dead run): what takes them over.
  const left = model.tasks.filter((task) => task.status === 'In Progress' && task.jobId);
  if (!model.live && left.length > 0)
    lines.push(
      `next: ccglm run --resume ${model.plan} adopts the ${left.length} job(s) left (merges what ended, follows what runs)`,
    );
  return `${lines.join('\n')}\n`;
}

function taskLine(
  task: TaskModel,
  byId: Map<string, TaskModel>,
  width: number,
  input: StatusInput,
): string {
  const running = task.status === 'In Progress';
  const time =
    running && task.startAt !== undefined
      ? formatDuration(input.now - task.startAt)
      : task.durationMs !== undefined
        ? formatDuration(task.durationMs)
        : '';
  let detail: string;
  if (running) {
    // A job on a target is looked at there (its files are not on this machine).
    const health =
      task.target !== undefined
        ? `on ${task.target} (ccglm job status --target ${task.target})`
        : task.jobId !== undefined
          ? input.health(task.jobId)
          : undefined;
    detail = [
      health !== undefined ? (LEFT[health] ?? health) : 'no job known',
      task.jobId !== undefined ? `job ${task.jobId}` : undefined,
      task.restarts.length > 0 ? `${task.restarts.length} restart(s)` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
  } else if (task.status === 'Not Started') detail = blocker(task, byId);
  else if (task.status === 'Blocked') detail = task.reason ?? blocker(task, byId);
  else if (task.status === 'Failed') detail = task.reason ?? 'failed';
  // Done before the run this status is of: its commits and time are that run's, not known here.
  else if (task.status === 'Completed' && task.attempts === 0)
    detail = 'completed before the last run (by an earlier one, or by hand)';
  else
    detail = [
      `${task.commits.length} commit(s)`,
      task.target !== undefined ? `on ${task.target}` : undefined,
      task.restarts.length > 0 ? `${task.restarts.length} restart(s)` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
  const mark = marks[task.status] ?? '?';
  return `${mark} ${task.id.padEnd(width)} ${task.status.padEnd(11)} ${time.padStart(6)}  ${detail}`;
}
