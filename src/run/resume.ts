/**
 * `--resume`: the dead (or detached) run's state file names the jobs it started. Those still running
 * are adopted and followed, those that ended are judged from their outcome, and nothing is started
 * twice: a job whose host died without an outcome is stopped and its task starts again as a new
 * attempt.
 */
import { readJob, stopJob } from '../jobs/index.js';
import { Attempt, workspaceOf } from './attempt.js';
import { follow, settle } from './follow.js';
import type { RunCore } from './run-core.js';
import { settingsOf } from './run-options.js';
import type { StartedTask } from './run-state.js';
import { cutOffNote } from './task-log.js';
import { adoptRemote } from './remote.js';

export async function adoptPrevious(core: RunCore): Promise<void> {
  const { options, scheduler } = core;
  const previous = core.stateFile.load();
  if (previous !== undefined)
    core.state = {
      ...previous,
      logDir: options.logDir,
      settings: settingsOf(options),
      ...(core.provider !== undefined ? { provider: core.provider } : {}),
    };
  for (const [id, entry] of Object.entries(core.state.tasks)) {
    const ws = workspaceOf(entry);
    const status = core.tasks.get(id)?.status;
    // Completed and merged by the dead run, which died before removing its worktree and branch.
    if (status === 'Completed') {
      core.workspace.removeMerged(ws);
      continue;
    }
    const snap = scheduler.snapshot(id);
    // Removed from the plan since its job started: nothing of it is adopted, and that is said.
    if (snap === undefined && entry.ended !== true)
      options.print(
        `${id} is no longer in the plan: its job ${entry.jobId} is not adopted; its work, if any, stays on branch ${entry.branch} (worktree ${entry.worktree})\n`,
      );
    if (snap === undefined || snap.state !== 'pending') continue;
    // An end already handled is judged again only when the plan never heard of it (the run died
    // in between): its outcome is read again, and a merge already made is not made twice.
    if (entry.ended === true && status !== 'In Progress') continue;
    if (entry.target !== undefined) {
      await adoptOnTarget(core, id, entry);
      continue;
    }
    // One read: an outcome written between two reads would make a live job look cut off.
    const record = readJob(options.logDir, entry.jobId);
    const { outcome } = record;
    if (outcome === undefined && !record.hostAlive) {
      // Its host died (or the job never ran): no outcome will come. An agent left running
      // unsupervised is stopped, and the task starts again as a new attempt; the plan says so.
      if (record.agentAlive)
        await stopJob(options.logDir, entry.jobId, { reason: 'host_died' }).catch(() => undefined);
      core.cutOff.set(id, cutOffNote(entry, record.agentAlive));
      continue;
    }
    const attempt = new Attempt(id, entry.jobId, ws, entry.startedAt, entry.attempt, true);
    adopt(core, attempt, entry);
    if (outcome !== undefined) await settle(core, attempt, outcome);
    else void follow(core, attempt);
  }
  core.saveState();
}

/**
 * A task the dead run started on a target: its attempt there is followed again. One whose start
 * was cut off before the target answered is not started again (its agent may run there): it is
 * Blocked with what to look at.
 */
async function adoptOnTarget(core: RunCore, id: string, entry: StartedTask): Promise<void> {
  const attempt = await adoptRemote(core, id, entry);
  if (attempt === undefined) {
    // Its target is not declared now: what runs there is not followed, and not started again.
    core.markEnded(id);
    await core.endTask(id, 'Blocked', {
      reason: `its job ran on target ${entry.target ?? '?'}, which cannot be reached from this run`,
      commits: [],
      log: [
        `job ${entry.jobId} on target ${entry.target ?? '?'} is not followed: the target is not declared or not reachable now`,
        `look there (ccglm job status --target ${entry.target ?? '?'}); a re-run starts the task again`,
      ],
    });
    return;
  }
  adopt(core, attempt, entry);
  void follow(core, attempt);
}

/** A job of the dead run taken up as this run's attempt (its `task.start` names the entry's place). */
function adopt(core: RunCore, attempt: Attempt, entry: StartedTask): void {
  attempt.phase = 'running';
  core.scheduler.adopt(attempt.taskId);
  core.attempts.set(attempt.taskId, attempt);
  const { jobId: job, worktree, branch, attempt: number } = entry;
  core.emitStart(attempt.taskId, { job, worktree, branch, attempt: number, adopted: true });
}
