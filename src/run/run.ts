/**
 * `ccglm run`: compile -> preflight (preflight.ts; nothing written before it passed) -> lock ->
 * schedule -> one supervised job per task -> write-back -> summary. The loop around the pure
 * scheduler; the parts with side effects are beside it: launch.ts (a task started), follow.ts (a
 * job's end judged and merged), supervise.ts (watchdog, interrupts), rate-limits.ts, resume.ts,
 * all acting through run-core.ts (what the run knows and records).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { systemProviderDeps } from '../agent/provider.js';
import { CcglmError, ExitCode } from '../errors.js';
import { compilePlan, type CompiledPlan } from '../graph/compile.js';
import { repoRootsOf } from '../paths.js';
import { renderWaves } from '../graph/render-waves.js';
import { SharedHost } from '../jobs/index.js';
import { renderDiagnostics } from '../plan/render.js';
import type { Task } from '../plan/types.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { readPlanFile } from '../read-plan-file.js';
import { eventsFileOf } from '../report/record.js';
import { prepareUpcoming, startTask } from './launch.js';
import { acquireBranchLock, acquirePlanLock, type PlanLock } from './lock.js';
import { planHome, stateDirOf } from './plan-home.js';
import { removeLeftTemps } from './plan-writer.js';
import { formatChecks, runPreflight, type PreflightResult } from './preflight.js';
import { adoptPrevious } from './resume.js';
import { RunCore } from './run-core.js';
import { RunStateFile } from './run-state.js';
import { readBranchFacts, summariseRun, type BranchFacts } from './summary.js';
import {
  onRunTarget,
  planIdOf,
  resolveOptions,
  signalExitCode,
  type RunOptions,
  type StopSignal,
} from './run-options.js';
import { onSignal, startWatchdog, stopNow } from './supervise.js';
import { checkTargets } from './target-checks.js';
import { closeMux, muxFolder } from '../targets/ssh.js';

/** `--target NAME`: the tasks that name no target run there (`local`: nothing changes). */
function withTarget(compiled: CompiledPlan, target: string | undefined): CompiledPlan {
  const tasks = compiled.plan.tasks.map((task) => onRunTarget(task, target));
  return { ...compiled, plan: { ...compiled.plan, tasks } };
}

/** What `--only`/`--from` would start, and the chosen tasks that could not start (none given: undefined). */
function selectionOf(
  scheduler: Scheduler,
  options: Pick<RunOptions, 'only' | 'from'>,
): { flag: string; starts: string[]; blocked: { id: string; reason: string }[] } | undefined {
  if (options.only === undefined && options.from === undefined) return undefined;
  const states = scheduler.state();
  return {
    flag:
      options.only !== undefined ? `--only ${options.only.join(',')}` : `--from ${options.from}`,
    starts: states.filter((t) => t.state === 'pending').map((t) => t.id),
    blocked: states
      .filter((t) => t.state === 'blocked')
      .map((t) => ({ id: t.id, reason: t.reason ?? 'blocked' })),
  };
}

export async function runPlan(options: RunOptions): Promise<number> {
  // The job host (a Node start-up) starts first, beside reading the plan: the first agents wait
  // for it. A dry run or --check does not start it; a refused plan ends the host unused.
  const host = new SharedHost();
  if (options.dryRun !== true && options.check !== true) host.start();
  try {
    return await runWith(options, host);
  } finally {
    host.close();
  }
}

async function runWith(given: RunOptions, host: SharedHost): Promise<number> {
  const planPath = path.resolve(given.plan);
  const read = await readPlanFile(planPath);
  if (!read.ok) throw new CcglmError(read.message, 1);
  // The environment the job host and its agents will have (the host is started with this one's).
  const deps = systemProviderDeps(process.env);
  const home = planHome(planPath, planIdOf(planPath), stateDirOf(deps.env, deps.home));
  const resumed = given.resume === true ? new RunStateFile(home.state).load() : undefined;
  const options = resolveOptions(given, resumed?.settings);
  if (
    given.resume === true &&
    resumed === undefined &&
    given.dryRun !== true &&
    given.check !== true
  )
    options.print(`nothing to resume (no earlier run of ${options.plan} left jobs): a plain run\n`);
  const planned = compilePlan(read.text, options.plan, {
    ...repoRootsOf(planPath),
    ...(options.concurrency !== undefined && Number.isFinite(options.concurrency)
      ? { concurrency: options.concurrency }
      : {}),
  });
  const compiled = withTarget(planned, options.target);
  if (!compiled.ok) {
    const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
    options.print(
      renderDiagnostics(errors, {
        format: 'text',
        sources: new Map([[options.plan, read.text]]),
        files: [options.plan],
      }),
    );
    options.print(
      `ccglm: ${options.plan} has errors; nothing was started and the plan was not changed\n`,
    );
    return 1;
  }
  // A task shown collapsed in <details> runs like any other: said here too, not only by validate.
  for (const d of compiled.diagnostics.filter((d) => d.code === 'CCG107')) {
    const task = compiled.plan.tasks.find(
      (t) => t.headingSpan.start.offset === d.span.start.offset,
    );
    if (task !== undefined && task.status !== 'Completed' && task.status !== 'Skipped')
      options.print(
        `warning: ${task.id} (${options.plan}:${d.span.start.line}) is inside a <details> block; it runs like any task (status Skipped, or an HTML comment around it, keeps it from running)\n`,
      );
  }
  const named: [string, string][] = [
    ...(options.only ?? []).map((id): [string, string] => ['--only', id]),
    ...(options.from !== undefined ? [['--from', options.from] as [string, string]] : []),
  ];
  for (const [flag, id] of named)
    if (!compiled.plan.tasks.some((task) => task.id === id))
      throw new CcglmError(
        `${flag} "${id}": no task ${id} in ${options.plan}; expected one of: ${compiled.plan.tasks.map((t) => t.id).join(', ')}`,
        2,
      );
  // Its constructor does no I/O: its scheduler tells what the run would start.
  const core = new RunCore(options, compiled, planPath, home, host, read.text);
  const selection = selectionOf(core.scheduler, options);
  if (options.dryRun === true) {
    options.print(renderWaves(compiled, 'text'));
    if (selection !== undefined)
      options.print(
        `\nThis run (${selection.flag}) would start: ${selection.starts.join(', ') || 'nothing'}\n`,
      );
  }
  // A chosen task that could not start (a dependency neither Completed nor chosen) is refused
  // before anything is written: no Blocked in the plan for a typo in the choice.
  if (selection !== undefined && selection.blocked.length > 0)
    throw new CcglmError(
      `${selection.flag}: ${selection.blocked.map(({ id, reason }) => `${id} cannot start (${reason})`).join('; ')}; ${selection.flag === '--from' ? 'start --from that dependency instead' : 'add the dependency to --only, or use --from'}`,
      2,
    );
  if (options.dryRun === true) return 0;

  // Nothing is written before the preflight passed: no lock, log folder, branch, worktree or job.
  // A resumed run goes on with the provider its jobs were started with, unless told another.
  const provider = options.provider ?? resumed?.provider;
  const tasks = toStart(core).map((t) => core.tasks.get(t.id) as Task);
  // Ctrl-C during the preflight reaches its git commands too: their failure is not what to report.
  let stoppedEarly: StopSignal | undefined;
  void options.interrupted?.then((signal) => (stoppedEarly = signal));
  const preflight = await runPreflight({
    options,
    planPath,
    tasks,
    home,
    integrationBranch: core.workspace.integration.name,
    ...(provider !== undefined ? { provider } : {}),
    deps,
    targets: checkTargets(tasks, { path: planPath, name: options.plan }, options.configPath),
    firstRun:
      resumed === undefined &&
      !existsSync(eventsFileOf(home.state)) &&
      compiled.plan.tasks.every((task) => task.status === 'Not Started'),
  });
  if (stoppedEarly !== undefined) {
    options.print(
      `ccglm: interrupted (${stoppedEarly}) before anything started; nothing was started and the plan was not changed\n`,
    );
    return signalExitCode(stoppedEarly);
  }
  if (options.check === true) {
    options.print(
      `PASS plan ${options.plan}: ${compiled.plan.tasks.length} task(s) in ${compiled.graph.waves.length} wave(s)\n${formatChecks(preflight.checks)}`,
    );
    return preflight.ok ? 0 : ExitCode.preflight;
  }
  if (!preflight.ok) {
    const failed = preflight.checks.filter((check) => !check.ok);
    throw new CcglmError(
      `cannot start: ${failed.length} check(s) failed; nothing was started and the plan was not changed\n${formatChecks(failed).trimEnd()}`,
      ExitCode.preflight,
    );
  }
  for (const note of [...preflight.notes, ...handSet(core, tasks, preflight.cutOff)])
    options.print(`warning: ${note}\n`);
  mkdirSync(options.logDir, { recursive: true });
  const locks = takeLocks(home.lock, preflight, options);
  removeLeftTemps(options.plan);
  try {
    const forced = options.forced?.then((signal) => stopNow(core, signal));
    const execution = execute(core, preflight);
    return await (forced === undefined ? execution : Promise.race([execution, forced]));
  } finally {
    for (const lock of locks) lock.release();
  }
}

/**
 * What a person set in the plan that the run goes past: a task In Progress that no run of ccglm
 * holds (someone may be on it), one that depends on a task the plan skips.
 */
function handSet(core: RunCore, starting: Task[], cutOff: Map<string, string>): string[] {
  if (core.options.resume === true) return [];
  const notes: string[] = [];
  for (const task of starting) {
    // A dead run's attempt cut off with it is said in the task's log (cutOffNote).
    if (task.status === 'In Progress' && !cutOff.has(task.id))
      notes.push(
        `${task.id} is In Progress in the plan, but no run of it is going: it starts now (if a person works on it, set it Skipped)`,
      );
    const skipped = (task.dependsOn ?? []).filter(
      (dep) => core.tasks.get(dep.id)?.status === 'Skipped',
    );
    if (skipped.length > 0)
      notes.push(
        `${task.id} depends on ${skipped.map((dep) => dep.id).join(', ')}, which the plan skips: it runs without ${skipped.length === 1 ? 'it' : 'them'}`,
      );
  }
  return notes;
}

/**
 * The plan's lock, then its integration branch's in each repository; one another run holds (it
 * took it since the preflight) refuses the run, the locks taken so far released.
 */
function takeLocks(
  planLock: string,
  preflight: PreflightResult,
  options: Pick<RunOptions, 'plan' | 'logDir'>,
): PlanLock[] {
  const now = new Date();
  const locks = [acquirePlanLock(planLock, options.plan, now, options.logDir)];
  try {
    for (const lock of preflight.branchLocks)
      locks.push(acquireBranchLock(lock.file, lock, now, options.logDir));
  } catch (error) {
    for (const lock of locks) lock.release();
    throw error;
  }
  return locks;
}

/** The tasks this run is to start (pending, or blocked once it starts). */
const toStart = (core: RunCore) =>
  core.scheduler.state().filter((t) => t.state === 'pending' || t.state === 'blocked');

/**
 * With `--isolation repo` a repository's tasks share one checkout: one runs there at a time (side
 * by side, each would be credited with the other's commits). Started later, when it ends.
 */
function sharesCheckout(core: RunCore, id: string): boolean {
  if (core.workspace.isolation !== 'repo') return false;
  const repo = core.repos.get(id)?.path;
  return core.scheduler
    .state()
    .some((t) => t.state === 'running' && t.id !== id && core.repos.get(t.id)?.path === repo);
}

/** The run's loop: start what is ready, prepare what comes next, sleep until something ends. */
async function execute(core: RunCore, preflight: PreflightResult): Promise<number> {
  const { options, scheduler, workspace } = core;
  const startedAt = core.now();
  // Started by runPlan; started again if it died meanwhile.
  core.host.start();
  core.repos = preflight.repos;
  core.targets = preflight.targets;
  // One SSH connection per target for the whole run (closed at its end).
  if (core.targets.size > 0) core.mux = muxFolder();
  core.provider = preflight.provider;
  if (preflight.provider !== undefined) core.state.provider = preflight.provider;
  options.emit({
    type: 'run.start',
    t: startedAt,
    plan: options.plan,
    tasks: [...core.tasks.keys()],
    waves: core.compiled.graph.waves,
    strategy: options.strategy,
    concurrency: options.concurrency,
    resume: options.resume === true,
    edges: core.compiled.graph.edges,
    pending: toStart(core).map((t) => t.id),
  });
  if (options.resume === true) await adoptPrevious(core);
  else {
    core.cutOff = preflight.cutOff;
    core.saveState();
  }
  void options.interrupted?.then((signal) => onSignal(core, signal));
  await core.recordBlocked();

  const stopWatchdog = startWatchdog(core);
  try {
    while (!scheduler.isDone() && !core.detached) {
      const woke = new Promise<void>((resolve) => (core.wake = resolve));
      // Starts run side by side: preparing a worktree and launching a job take a while each.
      for (const id of scheduler.ready(core.now()))
        if (!sharesCheckout(core, id)) void startTask(core, id);
      prepareUpcoming(core);
      if (scheduler.isDone()) break;
      const resumeAt = scheduler.resumeAt;
      const timer =
        resumeAt > core.now() ? setTimeout(() => core.wake(), resumeAt - core.now()) : undefined;
      await woke;
      if (timer !== undefined) clearTimeout(timer);
    }
  } finally {
    stopWatchdog();
    core.host.close();
  }
  // A job's end judged meanwhile (--detach ends the loop at once) is finished: its merge too.
  while (core.settling.size > 0) await Promise.allSettled([...core.settling]);
  const closing = [...core.targets.values()].map((target) =>
    core.mux !== undefined ? closeMux(target, core.mux) : Promise.resolve(),
  );
  // The summary's git facts are read beside the cleanup: the branch moves no more.
  const facts = readBranchFacts([...core.repos.values()], workspace.integration.name);
  await workspace.discardAhead();
  // The plan says how every task ended before the merged task branches go: a run killed in its
  // cleanup leaves --resume a plan that knows them merged (it judges a task the plan does not
  // know ended by its branch, which must then still be there).
  await core.writer.flush();
  await workspace.settled();
  await Promise.all(closing);
  return summarise(core, startedAt, facts);
}

async function summarise(
  core: RunCore,
  startedAt: number,
  facts: Promise<Map<string, BranchFacts>>,
): Promise<number> {
  const { interrupted, options } = core;
  const { text, counts, pushFailed } = await summariseRun({
    facts,
    tasks: core.scheduler.state(),
    ended: core.ended,
    repos: [...core.repos.values()],
    integrationBranch: core.workspace.integration.name,
    prTitle: `${core.planId}: ${core.compiled.plan.title ?? 'plan'}`,
    planPath: core.planPath,
    agent: options,
    push: options.push === true,
    warnings: core.writer.warnings,
    skippedInPlan: new Map(
      [...core.tasks.values()]
        .filter((task) => task.status === 'Skipped')
        .map((task) => [task.id, task.statusText ?? 'Skipped']),
    ),
    leftRunning: core.leftRunning,
    ...(interrupted !== undefined ? { interrupted } : {}),
  });
  // A task the plan could not record counts as not done: the plan is what the next run reads.
  const failed =
    counts.failed + counts.blocked > 0 || core.writer.warnings.length > 0 || pushFailed ? 1 : 0;
  const exitCode = interrupted !== undefined ? signalExitCode(interrupted) : failed;
  options.emit({
    type: 'run.end',
    t: core.now(),
    exitCode,
    ...counts,
    durationMs: core.now() - startedAt,
  });
  options.print(text);
  return exitCode;
}
