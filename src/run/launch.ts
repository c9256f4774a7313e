/**
 * Starting a ready task: a merge retried (its agent completed in an earlier run), or a worktree,
 * a prompt and a job handed to the run's job host, recorded in the resume state before the host
 * has it (a run that dies from there on leaves a job --resume knows of). Worktrees for the tasks
 * that will be ready next are made ahead, while the running agents work.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAgentJob, renderPrompt } from '../agent/index.js';
import { startJob } from '../jobs/index.js';
import type { LeftOut } from '../plan/task-now.js';
import type { Task } from '../plan/types.js';
import { Attempt } from './attempt.js';
import { follow, settle } from './follow.js';
import { mergeFailedLine, readRetryBranch } from './merge-retry.js';
import type { ResolvedRepo } from './repos.js';
import type { RunCore } from './run-core.js';
import { realPlanPath } from './plan-home.js';
import { leaveRunning, stopAttempt } from './supervise.js';
import { launchRemote } from './remote.js';
import { LOCAL } from '../targets/config.js';
import { branchLine } from './task-log.js';
import type { TaskWorkspace } from './worktree-pool.js';

/**
 * Worktrees for the tasks that will be ready when running ones complete, made while their agents
 * work (as many as may run at once): a dependent then starts within a `git reset` of its
 * dependency's merge.
 */
export function prepareUpcoming(core: RunCore): void {
  if (core.interrupted !== undefined) return;
  const limit = core.scheduler.currentConcurrency;
  for (const id of core.scheduler.upcoming()) {
    if (core.workspace.aheadCount >= limit) break;
    const repo = core.repos.get(id);
    const target = core.tasks.get(id)?.target;
    // A task on a target gets its worktree there.
    if (repo !== undefined && (target === undefined || target === LOCAL))
      core.workspace.prepareAhead(id, repo);
  }
}

/** Starts a ready task; one that cannot start fails with the reason, the run goes on. */
export async function startTask(core: RunCore, id: string): Promise<void> {
  try {
    await launch(core, id);
  } catch (error) {
    core.attempts.delete(id);
    core.markEnded(id);
    core.saveState();
    await core.endTask(id, 'Failed', {
      reason: `could not start its job: ${(error as Error).message}`,
      commits: [],
    });
  }
}

/**
 * The run was stopped while this task was being readied: its agent is not started (the run said
 * it stops launching), and the task stays as the plan has it, for the next run.
 */
function notStarted(core: RunCore, id: string): boolean {
  if (core.interrupted === undefined) return false;
  core.scheduler.requeue(id);
  core.wake();
  return true;
}

/**
 * A task a person took out of the run while it went on: set Skipped or Completed (done as such:
 * its dependents go on, the plan keeps their status), or removed from the plan (its dependents
 * are Blocked: what they need will not be there). Nothing is written for the task itself.
 */
async function leaveOut(core: RunCore, id: string, leftOut: LeftOut, note: string): Promise<void> {
  core.options.print(`${note}\n`);
  if (leftOut === 'removed' || leftOut === 'plan-gone') {
    const reason =
      leftOut === 'plan-gone'
        ? 'the plan file was moved or deleted during the run'
        : 'removed from the plan during the run';
    core.scheduler.complete(id, { status: 'blocked', reason });
    core.options.emit({ type: 'task.end', t: core.now(), id, status: 'Blocked', reason });
    await core.recordBlocked();
  } else core.scheduler.complete(id, { status: 'completed' });
  core.wake();
}

async function launch(core: RunCore, id: string): Promise<void> {
  const { options, scheduler, workspace } = core;
  const task = core.tasks.get(id) as Task;
  const repo = core.repos.get(id) as ResolvedRepo;
  scheduler.start(id);
  options.emit({ type: 'task.launch', t: core.now(), id }); // for the report (src/report)
  const unmerged = core.mergeRetries.get(id);
  core.mergeRetries.delete(id);
  if (unmerged !== undefined && (await retryMerge(core, task, repo, unmerged))) return;
  const jobId = `${core.planId}-${id}-${core.now().toString(36)}`.replace(/[^A-Za-z0-9._-]/g, '-');
  // Its agent is told the task as the plan says now (edited since the run began, maybe).
  const { task: now, leftOut, note } = await core.taskNow(id);
  if (notStarted(core, id)) return;
  if (leftOut !== undefined) return leaveOut(core, id, leftOut, note ?? '');
  const { plan } = core.compiled;
  const prompt = (worktree: string, branch: string) =>
    renderPrompt({
      plan: { ...plan, tasks: plan.tasks.map((t) => (t.id === id ? now : t)) },
      planPath: core.planPath,
      taskId: id,
      repo: repo.name,
      worktree,
      featureKey: core.planId,
      branch,
      agent: core.agentName,
    });
  if (task.target !== undefined && task.target !== LOCAL) {
    const target = core.targets.get(task.target);
    if (target === undefined) throw new Error(`target ${task.target} was not checked ready`);
    const attempt = await launchRemote(core, now, repo, target, jobId, prompt);
    if (attempt !== undefined) afterStart(core, attempt);
    return;
  }
  let ws: TaskWorkspace;
  try {
    ws = await workspace.prepareTask(id, repo);
  } catch (error) {
    // Ctrl-C reaches the git commands making it too: their failure is not the task's.
    if (notStarted(core, id)) return;
    await core.endTask(id, 'Failed', {
      reason: `could not prepare its worktree: ${(error as Error).message}`,
      commits: [],
    });
    return;
  }
  if (notStarted(core, id)) return;
  const promptFile = path.join(options.logDir, `${jobId}.prompt`);
  writeFileSync(promptFile, prompt(ws.worktree, ws.branch));
  const job = buildAgentJob({
    ...(options.agent !== undefined ? { agent: options.agent } : {}),
    ...(options.agentCmd !== undefined ? { agentCmd: options.agentCmd } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    promptFile,
    taskId: id,
    planPath: core.planPath,
    worktree: ws.worktree,
    featureKey: core.planId,
    ...(core.provider !== undefined ? { provider: core.provider } : {}),
  });
  const number = (core.rateRetries.get(id) ?? 0) + 1;
  const attempt = new Attempt(id, jobId, ws, core.now(), number);
  // Recorded before the job is handed over: a run that dies from here on leaves a job that
  // --resume adopts (or, never hosted, starts again), never one it does not know of.
  core.record(attempt);
  const started = await startJob({
    id: jobId,
    logDir: options.logDir,
    promptFile,
    repo: repo.name,
    plan: realPlanPath(core.planPath),
    worktree: ws.worktree,
    pty: options.pty,
    command: job.command,
    env: job.env,
    headless: job.headless,
    host: core.host,
    // A task's own worktree is new, at its base: nothing in it is uncommitted yet.
    ...(workspace.isolation === 'task' ? { mutationBaseline: 0, startCommit: ws.base } : {}),
  });
  if (core.stoppedNow) return; // stopNow killed it and recorded the task
  attempt.phase = 'running';
  // The event now; the plan is told in its next write (plan-writer.ts). Following the job does not
  // wait for that write, its end does (`announcing`: judge, finishAttempt).
  core.emitStart(id, { job: jobId, worktree: ws.worktree, branch: ws.branch, attempt: number });
  attempt.announcing = core.writer
    .write({
      taskId: id,
      status: 'In Progress',
      log: core.logOf(id, [
        `job ${jobId} (agent ${job.agent}) running in ${ws.worktree} on branch ${ws.branch}`,
      ]),
    })
    .catch(() => undefined) // a write that failed is a warning of the writer's; the run goes on
    .then(() => (attempt.announcing = undefined));
  if (!started.ok) await settle(core, attempt, started.outcome);
  else afterStart(core, attempt);
}

/** A started attempt is followed; left running after --detach; stopped when the run was interrupted meanwhile. */
function afterStart(core: RunCore, attempt: Attempt): void {
  if (core.detached) {
    leaveRunning(core, attempt);
    return;
  }
  if (core.interrupted !== undefined)
    void stopAttempt(core, attempt, `interrupted (${core.interrupted})`);
  void follow(core, attempt);
}

/**
 * A task whose agent completed in an earlier run but whose merge failed: its branch is merged now,
 * and its agent is not run again. False when the branch is gone (the task then runs as usual).
 */
async function retryMerge(
  core: RunCore,
  task: Task,
  repo: ResolvedRepo,
  branch: string,
): Promise<boolean> {
  const { workspace, scheduler } = core;
  const integration = workspace.integration.name;
  await workspace.integration.ensure(repo);
  const found = await readRetryBranch(repo.path, integration, branch);
  if (found === undefined) return false;
  const startedAt = core.now();
  const ws: TaskWorkspace = { repo, worktree: found.worktree, branch, base: found.base };
  const start = { job: '', worktree: found.worktree, branch, attempt: 1, mergeRetry: true };
  core.emitStart(task.id, start);
  const finish =
    found.base === found.tip
      ? { ok: true as const, commits: [], filesEdited: task.filesEdited, tip: found.tip }
      : await workspace.finishTask(ws, `${task.id}: ${task.name}`, scheduler.isAwaited(task.id));
  const commitsLine = branchLine(branch, finish.commits);
  const facts = {
    commits: finish.commits,
    filesEdited: finish.filesEdited,
    durationMs: core.now() - startedAt,
  };
  if (!finish.ok) {
    await core.endTask(task.id, 'Failed', {
      reason: `merge failed again: ${finish.reason}`,
      ...facts,
      log: [
        'merge retried (the agent was not run again): failed again',
        commitsLine,
        ...(found.worktree !== '' ? [`worktree kept: ${found.worktree}`] : []),
        mergeFailedLine(finish.reason, workspace.integration.name),
      ],
    });
    return true;
  }
  if (found.worktree !== '') void workspace.release(ws, found.tip);
  await core.endTask(task.id, 'Completed', {
    ...facts,
    log: [
      found.base === found.tip
        ? `merge retried: ${branch} was already merged into ${integration}`
        : `merge retried: merged into ${integration} (the agent was not run again)`,
      commitsLine,
    ],
  });
  return true;
}
