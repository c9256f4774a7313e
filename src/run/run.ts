/**
 * `ccglm run`: compile -> preflight (preflight.ts; nothing written before it passed) -> lock ->
 * schedule -> one supervised job per task -> write-back -> summary. The event loop around the pure scheduler; everything with side effects lives here or below.
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildAgentJob, detectRateLimit, renderPrompt } from '../agent/index.js';
import { systemProviderDeps, type Provider, type ProviderDeps } from '../agent/provider.js';
import { CcglmError, ExitCode } from '../errors.js';
import { compilePlan, type CompiledPlan } from '../graph/compile.js';
import { repoRootsOf } from '../paths.js';
import { renderWaves } from '../graph/render-waves.js';
import {
  indexByPid,
  jobHealth,
  killJobNow,
  scanProcesses,
  readJob,
  readMeta,
  readOutcome,
  restartJob,
  SharedHost,
  startJob,
  stopJob,
  waitForJobEnd,
  type JobOutcome,
} from '../jobs/index.js';
import { renderDiagnostics } from '../plan/render.js';
import type { Task, TaskStatus } from '../plan/types.js';
import { Scheduler } from '../schedule/scheduler.js';
import { readPlanFile } from '../read-plan-file.js';
import type { TaskEndStatus } from './events.js';
import { branchCommits, filesChanged, git } from './git.js';
import { acquirePlanLock } from './lock.js';
import { PlanWriter } from './plan-writer.js';
import { planHome, stateDirOf, type PlanHome } from './plan-home.js';
import { formatChecks, runPreflight, type PreflightResult } from './preflight.js';
import type { ResolvedRepo } from './repos.js';
import { readBranchFacts, summariseRun, type BranchFacts, type TaskEnd } from './summary.js';
import { lastLine, logTail, summaryOf } from './job-output.js';
import {
  branchLine,
  branchLog,
  failedJobLog,
  withEarlierAttempt,
  type JobFacts,
} from './task-log.js';
import { RunStateFile, type RunState } from './run-state.js';
import {
  planIdOf,
  resolveOptions,
  settingsOf,
  type ResolvedOptions,
  type RunOptions,
} from './run-options.js';
import { failedMergeBranch, mergeFailedLine, readRetryBranch } from './merge-retry.js';
import { scopeDrift } from './scope-drift.js';
import { Workspace } from './workspace.js';
import type { TaskWorkspace } from './worktree-pool.js';

interface RunningTask {
  id: string;
  jobId: string;
  ws: TaskWorkspace;
  startedAt: number;
  attempt: number;
  retries: number;
  /** Adopted from an earlier run (--resume): its host is that run's, which tells this one nothing. */
  adopted?: boolean;
}

interface TaskEndDetails {
  reason?: string;
  exitCode?: number;
  commits: string[];
  filesEdited?: string[];
  /** Lines for the plan's log field (default: the reason). */
  log?: string[];
  durationMs?: number;
}

/** How often one task is started again after its agent hit a rate limit. */
const MAX_RATE_LIMIT_RETRIES = 3;

/** The scheduler's view of the plan's tasks: dependencies from the graph, done when Completed or Skipped. */
function schedulerTasks(compiled: CompiledPlan, tasks: readonly Task[] = compiled.plan.tasks) {
  const byId = new Map(compiled.graph.edges.map((e) => [e.to, [] as string[]]));
  for (const edge of compiled.graph.edges) byId.get(edge.to)?.push(edge.from);
  return tasks.map((task) => ({
    id: task.id,
    deps: byId.get(task.id) ?? [],
    done: task.status === 'Completed' || task.status === 'Skipped',
  }));
}

/** What `--only`/`--from` would start, and the chosen tasks that could not start (none given: undefined). */
function selectionOf(
  compiled: CompiledPlan,
  options: Pick<RunOptions, 'only' | 'from'>,
): { flag: string; starts: string[]; blocked: { id: string; reason: string }[] } | undefined {
  if (options.only === undefined && options.from === undefined) return undefined;
  const seen = new Set<string>();
  const unique = compiled.plan.tasks.filter((t) => !seen.has(t.id) && seen.add(t.id));
  const scheduler = new Scheduler(schedulerTasks(compiled, unique), {
    ...(options.only !== undefined ? { only: options.only } : {}),
    ...(options.from !== undefined ? { from: options.from } : {}),
  });
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
  const now = given.now ?? Date.now;
  const planPath = path.resolve(given.plan);
  const read = await readPlanFile(planPath);
  if (!read.ok) throw new CcglmError(read.message, 1);
  // The environment the job host and its agents will have (the host is started with this one's).
  const deps = systemProviderDeps(process.env);
  const home = planHome(planPath, planIdOf(planPath), stateDirOf(deps.env, deps.home));
  const saved = given.resume === true ? new RunStateFile(home.state).load()?.settings : undefined;
  const options = resolveOptions(given, saved);
  const compiled = compilePlan(read.text, options.plan, {
    ...repoRootsOf(planPath),
    ...(options.concurrency !== undefined && Number.isFinite(options.concurrency)
      ? { concurrency: options.concurrency }
      : {}),
  });
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
  const selection = selectionOf(compiled, options);
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
      `${selection.flag}: ${selection.blocked.map(({ id, reason }) => `${id} cannot start (${reason})`).join('; ')}; add the dependency to --only, or use --from`,
      2,
    );
  if (options.dryRun === true) return 0;

  const run = new Run(options, compiled, planPath, home, now, host);
  // Nothing is written before the preflight passed: no lock, log folder, branch, worktree or job.
  const preflight = await run.preflight(deps);
  if (options.check === true) {
    const tasks = compiled.plan.tasks.length;
    options.print(
      `PASS plan ${options.plan}: ${tasks} task(s) in ${compiled.graph.waves.length} wave(s)\n${formatChecks(preflight.checks)}`,
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
  mkdirSync(options.logDir, { recursive: true });
  const lock = acquirePlanLock(home.lock, options.plan, new Date(now()), options.logDir);
  try {
    const forced = options.forced?.then((signal) => run.stopNow(signal));
    const execution = run.execute(preflight);
    return await (forced === undefined ? execution : Promise.race([execution, forced]));
  } finally {
    lock.release();
  }
}

class Run {
  private readonly planId: string;
  private readonly writer: PlanWriter;
  private readonly workspace: Workspace;
  private readonly scheduler: Scheduler;
  private readonly tasks = new Map<string, Task>();
  private readonly running = new Map<string, RunningTask>();
  private readonly ended = new Map<string, TaskEnd>();
  private readonly rateRetries = new Map<string, number>();
  /** Tasks whose agent completed in an earlier run but whose merge failed: their branch, by task id. */
  private readonly mergeRetries = new Map<string, string>();
  /** Tasks whose jobs were left running (--detach). */
  private readonly leftRunning = new Set<string>();
  private readonly stateFile: RunStateFile;
  private state: RunState;
  private repos = new Map<string, ResolvedRepo>();
  /** The claude agent's provider, as the preflight chose it. */
  private provider: Provider | undefined;
  private wake: () => void = () => {};
  private interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  /** --detach and Ctrl-C: the jobs run on, this run ends now (`--resume` adopts them). */
  private detached = false;
  /** A second interrupt stopped everything (stopNow): nothing more is started or recorded. */
  private stoppedNow = false;
  /** Jobs being handed to the host (not yet in `running`), by task id. */
  private readonly launching = new Map<string, string>();
  /** Job ends being judged (a merge may be under way), see settleJob. */
  private readonly settling = new Set<Promise<void>>();
  /** Aborts the end-waits of running jobs (a restart replaces it with a fresh one). */
  private abort = waitsAbort();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly compiled: CompiledPlan,
    private readonly planPath: string,
    private readonly home: PlanHome,
    private readonly now: () => number,
    /** One host process for all of this run's jobs (it outlives the run while they run). */
    private readonly host: SharedHost,
  ) {
    this.planId = planIdOf(planPath);
    this.writer = new PlanWriter(planPath);
    this.workspace = new Workspace(this.planId, options.worktreeRoot, options.isolation ?? 'task');
    for (const task of compiled.plan.tasks)
      if (!this.tasks.has(task.id)) this.tasks.set(task.id, task);
    for (const task of this.tasks.values()) {
      const branch = failedMergeBranch(task);
      if (branch !== undefined) this.mergeRetries.set(task.id, branch);
    }
    this.scheduler = new Scheduler(schedulerTasks(compiled, [...this.tasks.values()]), {
      strategy: options.strategy ?? 'waves',
      concurrency: options.concurrency ?? 3,
      continue: options.continue ?? 'dependencies-successful',
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

  /** The checks before anything is written (preflight.ts), for the tasks this run would start. */
  preflight(deps: ProviderDeps): Promise<PreflightResult> {
    const pending = this.scheduler
      .state()
      .filter((t) => t.state === 'pending' || t.state === 'blocked');
    const { agent, agentCmd } = this.options;
    // A resumed run goes on with the provider its jobs were started with, unless told another.
    const provider =
      this.options.provider ??
      (this.options.resume === true ? this.stateFile.load()?.provider : undefined);
    return runPreflight({
      plan: this.options.plan,
      planPath: this.planPath,
      tasks: pending.map((t) => this.tasks.get(t.id) as Task),
      ...(this.options.repos !== undefined ? { reposDir: this.options.repos } : {}),
      logDir: this.options.logDir,
      worktreeRoot: this.options.worktreeRoot,
      home: this.home,
      resume: this.options.resume === true,
      integrationBranch: this.workspace.integrationBranch,
      agent: {
        ...(agent !== undefined ? { agent } : {}),
        ...(agentCmd !== undefined ? { agentCmd } : {}),
        ...(provider !== undefined ? { provider } : {}),
        ...(this.options.configPath !== undefined ? { configPath: this.options.configPath } : {}),
      },
      ...(this.options.model !== undefined ? { model: this.options.model } : {}),
      ...(provider !== this.options.provider ? { providerResumed: true } : {}),
      deps,
    });
  }

  async execute(preflight: PreflightResult): Promise<number> {
    const startedAt = this.now();
    // Started by runPlan; started again if it died meanwhile.
    this.host.start();
    this.repos = preflight.repos;
    this.provider = preflight.provider;
    if (preflight.provider !== undefined) this.state.provider = preflight.provider;
    this.options.emit({
      type: 'run.start',
      t: startedAt,
      plan: this.options.plan,
      tasks: [...this.tasks.keys()],
      waves: this.compiled.graph.waves,
      strategy: this.options.strategy ?? 'waves',
      concurrency: this.options.concurrency ?? 3,
      resume: this.options.resume === true,
      edges: this.compiled.graph.edges,
      pending: this.scheduler
        .state()
        .filter((t) => t.state === 'pending' || t.state === 'blocked')
        .map((t) => t.id),
    });
    if (this.options.resume === true) await this.adoptPrevious();
    else this.saveState();
    void this.options.interrupted?.then((signal) => this.onSignal(signal));
    await this.recordBlocked();

    const stallMs = (this.options.stallMinutes ?? 20) * 60_000;
    const interval = setInterval(
      () => void this.checkHealth(),
      this.options.checkIntervalMs ?? Math.min(5000, Math.max(200, stallMs / 2)),
    );
    try {
      while (!this.scheduler.isDone() && !this.detached) {
        const woke = new Promise<void>((resolve) => (this.wake = resolve));
        // Starts run side by side: preparing a worktree and launching a job take a while each.
        for (const id of this.scheduler.ready(this.now())) void this.startTaskSafely(id);
        this.prepareUpcoming();
        if (this.scheduler.isDone()) break;
        const resumeAt = this.scheduler.resumeAt;
        const timer =
          resumeAt > this.now() ? setTimeout(() => this.wake(), resumeAt - this.now()) : undefined;
        await woke;
        if (timer !== undefined) clearTimeout(timer);
      }
    } finally {
      clearInterval(interval);
      this.host.close();
    }
    // A job's end judged meanwhile (--detach ends the loop at once) is finished: its merge too.
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
    // The summary's git facts are read beside the cleanup: the branch moves no more.
    const facts = readBranchFacts([...this.repos.values()], this.workspace.integrationBranch);
    await this.workspace.discardAhead();
    await this.workspace.settled();
    await this.writer.flush();
    return this.summarise(startedAt, facts);
  }

  /** The profile the tasks run, as the plan's log names it (`custom` for --agent-cmd). */
  private get agentName(): string {
    return this.options.agentCmd !== undefined ? 'custom' : (this.options.agent ?? 'claude');
  }

  /**
   * Worktrees for the tasks that will be ready when running ones complete, made while their agents
   * work (as many as may run at once): a dependent then starts within a `git reset` of its
   * dependency's merge.
   */
  private prepareUpcoming(): void {
    if (this.interrupted !== undefined) return;
    const limit = this.scheduler.currentConcurrency;
    for (const id of this.scheduler.upcoming()) {
      if (this.workspace.aheadCount >= limit) break;
      const repo = this.repos.get(id);
      if (repo !== undefined) this.workspace.prepareAhead(id, repo);
    }
  }

  private async startTaskSafely(id: string): Promise<void> {
    try {
      await this.startTask(id);
    } catch (error) {
      this.running.delete(id);
      this.launching.delete(id);
      const entry = this.state.tasks[id];
      if (entry !== undefined) {
        entry.ended = true;
        this.saveState();
      }
      await this.endTask(id, 'Failed', {
        reason: `could not start its job: ${(error as Error).message}`,
        commits: [],
      });
    }
  }

  private async startTask(id: string, attempt = 1): Promise<void> {
    const task = this.tasks.get(id) as Task;
    const repo = this.repos.get(id) as ResolvedRepo;
    this.scheduler.start(id);
    this.options.emit({ type: 'task.launch', t: this.now(), id }); // for the report (src/report)
    const unmerged = this.mergeRetries.get(id);
    this.mergeRetries.delete(id);
    if (unmerged !== undefined && (await this.retryMerge(task, repo, unmerged))) return;
    let ws: TaskWorkspace;
    try {
      ws = await this.workspace.prepareTask(id, repo);
    } catch (error) {
      await this.endTask(id, 'Failed', {
        reason: `could not prepare its worktree: ${(error as Error).message}`,
        commits: [],
      });
      return;
    }
    const jobId = `${this.planId}-${id}-${this.now().toString(36)}`.replace(
      /[^A-Za-z0-9._-]/g,
      '-',
    );
    const promptFile = path.join(this.options.logDir, `${jobId}.prompt`);
    writeFileSync(
      promptFile,
      renderPrompt({
        plan: this.compiled.plan,
        planPath: this.planPath,
        taskId: id,
        repo: repo.name,
        worktree: ws.worktree,
        featureKey: this.planId,
        branch: ws.branch,
        agent: this.agentName,
      }),
    );
    const job = buildAgentJob({
      ...(this.options.agent !== undefined ? { agent: this.options.agent } : {}),
      ...(this.options.agentCmd !== undefined ? { agentCmd: this.options.agentCmd } : {}),
      ...(this.options.model !== undefined ? { model: this.options.model } : {}),
      ...(this.options.configPath !== undefined ? { configPath: this.options.configPath } : {}),
      promptFile,
      taskId: id,
      planPath: this.planPath,
      worktree: ws.worktree,
      featureKey: this.planId,
      ...(this.provider !== undefined ? { provider: this.provider } : {}),
    });
    const startedAt = this.now();
    this.launching.set(id, jobId);
    // Recorded before the job is handed over: a run that dies from here on leaves a job that
    // --resume adopts (or, never hosted, starts again), never one it does not know of.
    this.state.tasks[id] = {
      jobId,
      branch: ws.branch,
      base: ws.base,
      worktree: ws.worktree,
      repo: repo.name,
      repoPath: repo.path,
      startedAt,
      attempt,
    };
    this.saveState();
    const started = await startJob({
      id: jobId,
      logDir: this.options.logDir,
      promptFile,
      repo: repo.name,
      worktree: ws.worktree,
      pty: this.options.pty ?? false,
      command: job.command,
      env: job.env,
      headless: job.headless,
      host: this.host,
      // A task's own worktree is new: nothing in it is uncommitted yet.
      ...(this.workspace.isolation === 'task' ? { mutationBaseline: 0 } : {}),
    });
    if (this.stoppedNow) return; // stopNow killed it and recorded the task
    this.launching.delete(id);
    const running: RunningTask = { id, jobId, ws, startedAt, attempt, retries: 0 };
    this.running.set(id, running);
    // The event says when the agent began to run; it is told once the plan says so too.
    const runningAt = this.now();
    await this.writer.write({
      taskId: id,
      status: 'In Progress',
      log: withEarlierAttempt(this.tasks.get(id), [
        `job ${jobId} (agent ${job.agent}) running in ${ws.worktree} on branch ${ws.branch}`,
      ]),
    });
    this.options.emit({
      type: 'task.start',
      t: runningAt,
      id,
      wave: this.scheduler.snapshot(id)?.wave ?? 0,
      job: jobId,
      worktree: ws.worktree,
      branch: ws.branch,
      attempt,
    });
    if (!started.ok) {
      await this.settleJob(running, started.outcome);
      return;
    }
    if (this.detached) this.leaveRunning(running);
    else void this.awaitJob(running);
    void task;
  }

  private async awaitJob(running: RunningTask): Promise<void> {
    let end: Awaited<ReturnType<typeof waitForJobEnd>>;
    try {
      end = await waitForJobEnd(this.options.logDir, running.jobId, {
        signal: this.abort.signal,
        pollMs: 500,
        // This run's host tells it when the outcome is written; an adopted job's is watched for.
        ...(running.adopted === true ? {} : { host: this.host }),
      });
    } catch (error) {
      // Its files cannot be read (a corrupt outcome): the task fails, the run goes on.
      if (this.running.get(running.id) !== running) return;
      await this.finishRunning(running, 'Failed', {
        reason: `its job could not be read: ${(error as Error).message}`,
        commits: [],
      });
      return;
    }
    if (end.kind === 'aborted') return;
    if (this.running.get(running.id) !== running) return;
    if (end.kind === 'lost') {
      await this.onHostLost(running, end.agentAlive);
      return;
    }
    await this.settleJob(running, end.outcome);
  }

  /**
   * The job's host died before writing its outcome (killed): nobody supervises the agent now. One
   * still running is stopped (its exit would never be known); the task is Failed with the reason,
   * its commits stay on its branch, and a re-run (or --resume) starts it again.
   */
  private async onHostLost(running: RunningTask, agentAlive: boolean): Promise<void> {
    this.running.delete(running.id);
    const hostPid = readMeta(this.options.logDir, running.jobId)?.['host_pid'] ?? '?';
    if (agentAlive)
      await stopJob(this.options.logDir, running.jobId, { reason: 'host_died' }).catch(
        () => undefined,
      );
    const { ws } = running;
    const commits = await branchCommits(ws.repo.path, ws.base, ws.branch)
      .then((log) => log.commits)
      .catch(() => [] as string[]);
    const reason = `interrupted: its job host (pid ${hostPid}) died${agentAlive ? '; its agent, left unsupervised, was stopped' : ' and its agent with it'}`;
    await this.finishRunning(running, 'Failed', {
      reason,
      commits,
      log: [
        `job ${running.jobId}: ${reason}`,
        commits.length > 0
          ? `its ${commits.length} commit(s) stay on branch ${ws.branch}`
          : `no commits on branch ${ws.branch}`,
        `worktree kept: ${ws.worktree}`,
        'a re-run (or --resume) starts it again',
      ],
    });
  }

  /**
   * A job's end, judged; whatever goes wrong on the way fails that task, never the run. Tracked
   * until done: a run that ends (--detach) finishes the merges under way before its summary.
   */
  private settleJob(running: RunningTask, outcome: JobOutcome): Promise<void> {
    const work = this.settleJobNow(running, outcome);
    this.settling.add(work);
    const done = () => void this.settling.delete(work);
    work.then(done, done);
    return work;
  }

  private async settleJobNow(running: RunningTask, outcome: JobOutcome): Promise<void> {
    try {
      await this.onJobEnd(running, outcome);
    } catch (error) {
      if (this.ended.has(running.id)) return;
      const reason = `could not judge its end: ${(error as Error).message.split('\n')[0] ?? ''}`;
      await this.finishRunning(running, 'Failed', {
        reason,
        exitCode: outcome.exit_code,
        commits: [],
        log: [reason, `worktree kept: ${running.ws.worktree}`],
      });
    }
  }

  private async onJobEnd(running: RunningTask, outcome: JobOutcome): Promise<void> {
    if (this.running.get(running.id) !== running) return;
    // Claimed synchronously: a second waiter for the same job (after a restart) finds it gone.
    this.running.delete(running.id);
    if (outcome.extra['ccglm_restarting'] === 'true') return;
    this.options.emit({
      type: 'task.exit',
      t: this.now(),
      id: running.id,
      exitCode: outcome.exit_code,
    }); // for the report
    const output = logTail(this.options.logDir, running.jobId, 400);
    const rate = detectRateLimit(output);
    if (rate !== null && outcome.exit_code !== 0) {
      const until = rate.resetAt?.getTime() ?? this.now() + (rate.retryAfterSeconds ?? 60) * 1000;
      const concurrency = Math.max(
        1,
        Math.min(this.scheduler.currentConcurrency, this.running.size + 1) - 1,
      );
      this.scheduler.throttle({ concurrency, until });
      this.options.emit({
        type: 'run.throttle',
        t: this.now(),
        concurrency,
        until,
        reason: rate.line,
      });
    }
    const summary = summaryOf(output);
    if (rate !== null && outcome.exit_code !== 0 && this.interrupted === undefined) {
      const retries = this.rateRetries.get(running.id) ?? 0;
      if (retries < MAX_RATE_LIMIT_RETRIES) {
        await this.requeueRateLimited(running, rate.line, retries + 1);
        return;
      }
    }
    const durationMs = this.jobDuration(running, outcome);
    const job: JobFacts = {
      jobId: running.jobId,
      agent: this.agentName,
      durationMs,
      exitCode: outcome.exit_code,
      restarts: running.retries,
      ...(rate !== null ? { rateLimit: rate.line } : {}),
    };
    if (outcome.state !== 'success' || outcome.exit_code !== 0) {
      const reason = `${this.interrupted !== undefined ? `interrupted (${this.interrupted}), ` : ''}${outcome.state === 'killed' ? 'killed' : 'agent failed'} (exit ${outcome.exit_code})`;
      await this.finishRunning(running, 'Failed', {
        reason,
        exitCode: outcome.exit_code,
        commits: [],
        durationMs,
        log: failedJobLog(job, reason, summary, running.ws.worktree),
      });
      return;
    }
    const task = this.tasks.get(running.id) as Task;
    if (running.adopted === true && (await this.mergedBefore(running, job, summary))) return;
    const finish = await this.workspace.finishTask(
      running.ws,
      `${task.id}: ${task.name}`,
      this.scheduler.isAwaited(task.id),
    );
    const drift = scopeDrift(
      finish.filesEdited,
      (task.location ?? []).map((entry) => entry.path),
    );
    const log = branchLog(job, summary, running.ws.branch, finish.commits, drift);
    if (!finish.ok) {
      const merge = finish.kind === 'merge';
      await this.finishRunning(running, 'Failed', {
        reason: merge ? `merge failed: ${finish.reason}` : finish.reason,
        exitCode: 0,
        commits: finish.commits,
        filesEdited: finish.filesEdited,
        durationMs,
        log: [
          ...log,
          ...(merge ? [`worktree kept: ${running.ws.worktree}`] : []),
          merge ? mergeFailedLine(finish.reason) : finish.reason,
        ],
      });
      return;
    }
    log.push(`merged into ${this.workspace.integrationBranch}`);
    void this.workspace.release(running.ws, finish.tip);
    await this.finishRunning(running, 'Completed', {
      exitCode: 0,
      commits: finish.commits,
      filesEdited: finish.filesEdited,
      durationMs,
      log,
    });
  }

  /**
   * An adopted job whose branch an earlier run already merged (it died before the plan said so): the
   * task is recorded Completed, without a second merge.
   */
  private async mergedBefore(
    running: RunningTask,
    job: JobFacts,
    summary: string[],
  ): Promise<boolean> {
    const { ws } = running;
    await this.workspace.integration.ensure(ws.repo);
    const integration = this.workspace.integrationBranch;
    const log = await branchCommits(ws.repo.path, ws.base, ws.branch).catch(() => undefined);
    if (log?.tip === undefined) return false;
    const merged = await git(ws.repo.path, ['merge-base', '--is-ancestor', log.tip, integration]);
    if (!merged.ok) return false;
    const files = await filesChanged(ws.repo.path, ws.base, ws.branch).catch(() => [] as string[]);
    void this.workspace.release(ws, log.tip);
    await this.finishRunning(running, 'Completed', {
      exitCode: 0,
      commits: log.commits,
      filesEdited: files,
      durationMs: job.durationMs,
      log: [
        ...branchLog(job, summary, ws.branch, log.commits, []),
        `merged into ${integration} (by the run that started it)`,
      ],
    });
    return true;
  }

  /**
   * A task whose agent completed in an earlier run but whose merge failed: its branch is merged now,
   * and its agent is not run again. False when the branch is gone (the task then runs as usual).
   */
  private async retryMerge(task: Task, repo: ResolvedRepo, branch: string): Promise<boolean> {
    const integration = this.workspace.integrationBranch;
    await this.workspace.integration.ensure(repo);
    const found = await readRetryBranch(repo.path, integration, branch);
    if (found === undefined) return false;
    const startedAt = this.now();
    const ws: TaskWorkspace = { repo, worktree: found.worktree, branch, base: found.base };
    this.options.emit({
      type: 'task.start',
      t: startedAt,
      id: task.id,
      wave: this.scheduler.snapshot(task.id)?.wave ?? 0,
      job: '',
      worktree: found.worktree,
      branch,
      attempt: 1,
      mergeRetry: true,
    });
    const finish =
      found.base === found.tip
        ? { ok: true as const, commits: [], filesEdited: task.filesEdited, tip: found.tip }
        : await this.workspace.finishTask(
            ws,
            `${task.id}: ${task.name}`,
            this.scheduler.isAwaited(task.id),
          );
    const commitsLine = branchLine(branch, finish.commits);
    const durationMs = this.now() - startedAt;
    if (!finish.ok) {
      await this.endTask(task.id, 'Failed', {
        reason: `merge failed again: ${finish.reason}`,
        commits: finish.commits,
        filesEdited: finish.filesEdited,
        durationMs,
        log: [
          'merge retried (the agent was not run again): failed again',
          commitsLine,
          ...(found.worktree !== '' ? [`worktree kept: ${found.worktree}`] : []),
          mergeFailedLine(finish.reason),
        ],
      });
      return true;
    }
    if (found.worktree !== '') void this.workspace.release(ws, found.tip);
    await this.endTask(task.id, 'Completed', {
      commits: finish.commits,
      filesEdited: finish.filesEdited,
      durationMs,
      log: [
        found.base === found.tip
          ? `merge retried: ${branch} was already merged into ${integration}`
          : `merge retried: merged into ${integration} (the agent was not run again)`,
        commitsLine,
      ],
    });
    return true;
  }

  /** A rate-limited agent: its task waits for the reset (the scheduler is throttled) and starts again. */
  private async requeueRateLimited(
    running: RunningTask,
    line: string,
    attempt: number,
  ): Promise<void> {
    this.rateRetries.set(running.id, attempt);
    const entry = this.state.tasks[running.id];
    if (entry !== undefined) entry.ended = true;
    this.saveState();
    this.scheduler.requeue(running.id);
    const resumeAt = new Date(Math.max(this.scheduler.resumeAt, this.now())).toISOString();
    await this.writer.write({
      taskId: running.id,
      status: 'Not Started',
      log: [
        `job ${running.jobId} was rate limited: ${line}`,
        `waiting until ${resumeAt}, then starting again (rate-limit retry ${attempt} of ${MAX_RATE_LIMIT_RETRIES})`,
        `worktree kept: ${running.ws.worktree}`,
      ].join('\n'),
    });
    this.options.emit({
      type: 'task.restart',
      t: this.now(),
      id: running.id,
      job: running.jobId,
      reason: `rate limited: ${line}`,
      attempt: attempt + 1,
    });
    this.wake();
  }

  private async finishRunning(
    running: RunningTask,
    status: TaskEndStatus,
    details: TaskEndDetails,
  ): Promise<void> {
    this.running.delete(running.id);
    const entry = this.state.tasks[running.id];
    if (entry !== undefined) entry.ended = true;
    this.saveState();
    await this.endTask(running.id, status, {
      ...details,
      durationMs: details.durationMs ?? this.now() - running.startedAt,
    });
  }

  /**
   * How long a job ran, measured once (the plan's log and the console show this one value): until
   * now, or for an adopted job that ended before this run took it over, until its outcome's end.
   */
  private jobDuration(running: RunningTask, outcome: JobOutcome): number {
    const now = this.now();
    const completed = Date.parse(outcome.completed_at);
    const end =
      running.adopted === true && Number.isFinite(completed) ? Math.min(completed, now) : now;
    return Math.max(0, end - running.startedAt);
  }

  private async endTask(id: string, status: TaskEndStatus, details: TaskEndDetails): Promise<void> {
    if (
      this.scheduler.snapshot(id)?.state === 'running' ||
      this.scheduler.snapshot(id)?.state === 'pending'
    )
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
    const log = withEarlierAttempt(this.tasks.get(id), details.log ?? [details.reason ?? status]);
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
  private async recordBlocked(): Promise<void> {
    for (const id of this.scheduler.takeBlocked()) {
      void this.workspace.dropAhead(id);
      const reason = this.scheduler.snapshot(id)?.reason ?? 'blocked';
      this.ended.set(id, { status: 'Blocked', commits: [], reason });
      void this.writer.write({
        taskId: id,
        status: 'Blocked',
        log: withEarlierAttempt(this.tasks.get(id), [`not started: ${reason}`]),
      });
      this.options.emit({ type: 'task.end', t: this.now(), id, status: 'Blocked', reason });
    }
  }

  /** Watchdog policy: stalled -> one restart -> Blocked. */
  private checking = false;

  private async checkHealth(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.checkHealthOnce();
    } finally {
      this.checking = false;
    }
  }

  private async checkHealthOnce(): Promise<void> {
    if (this.running.size === 0) return;
    // One look at /proc for all running jobs.
    const processes = scanProcesses();
    const processIndex = indexByPid(processes);
    for (const running of [...this.running.values()]) {
      const health = jobHealth(this.options.logDir, running.jobId, {
        stallMinutes: this.options.stallMinutes ?? 20,
        processes,
        processIndex,
      });
      const last = lastLine(this.options.logDir, running.jobId);
      if (last !== undefined)
        this.options.emit({ type: 'task.output', t: this.now(), id: running.id, line: last });
      if (health.health !== 'stalled') continue;
      if (running.retries < (this.options.maxRetries ?? 1)) {
        running.retries += 1;
        this.options.emit({
          type: 'task.restart',
          t: this.now(),
          id: running.id,
          job: running.jobId,
          reason: health.reason_code,
          attempt: running.retries + 1,
        });
        void this.writer.write({
          taskId: running.id,
          log: `job ${running.jobId} stalled (${health.reason_code}); restarted (attempt ${running.retries + 1})`,
        });
        this.abort.abort();
        await restartJob(this.options.logDir, running.jobId, { host: this.host }).catch(
          () => undefined,
        );
        this.resetAbort();
      } else {
        this.running.delete(running.id); // its waiter will see the stop's outcome and ignore it
        await stopJob(this.options.logDir, running.jobId, { reason: 'stalled' }).catch(
          () => undefined,
        );
        await this.finishRunning(running, 'Blocked', {
          reason: `stalled after ${running.retries} restart(s) (${health.reason_code})`,
          commits: [],
          log: [
            `job ${running.jobId} stalled again (${health.reason_code}) after ${running.retries} restart(s): blocked`,
            `worktree kept: ${running.ws.worktree}`,
          ],
        });
      }
    }
  }

  private resetAbort(): void {
    // Waits started before a restart were aborted; new waits get a fresh signal.
    this.abort = waitsAbort();
    for (const running of this.running.values()) void this.awaitJob(running);
  }

  private async onSignal(signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
    this.interrupted = signal;
    this.scheduler.halt();
    const detach = this.options.detach === true;
    this.options.emit({ type: 'run.signal', t: this.now(), signal, detach });
    if (detach) {
      this.detached = true;
      for (const running of [...this.running.values()]) this.leaveRunning(running);
      this.abort.abort();
      this.wake();
      return;
    }
    await Promise.all(
      [...this.running.values()].map((running) =>
        stopJob(this.options.logDir, running.jobId, { reason: `interrupted (${signal})` }).catch(
          () => undefined,
        ),
      ),
    );
    this.wake();
  }

  /** A job left to run on after --detach: the plan says so and names what adopts it. */
  private leaveRunning(running: RunningTask): void {
    this.running.delete(running.id);
    this.leftRunning.add(running.id);
    void this.writer.write({
      taskId: running.id,
      status: 'In Progress',
      log: `job ${running.jobId} left running (--detach) in ${running.ws.worktree}; ccglm run --resume ${this.options.plan} adopts it`,
    });
  }

  /**
   * A second Ctrl-C: every agent of this run is killed at once (its group and session), the plan
   * records the tasks as interrupted, and the run ends without waiting for anything else.
   */
  async stopNow(signal: 'SIGINT' | 'SIGTERM'): Promise<number> {
    this.stoppedNow = true;
    this.interrupted = signal;
    this.scheduler.halt();
    this.abort.abort();
    this.options.emit({ type: 'run.signal', t: this.now(), signal, detach: false, force: true });
    const reason = `interrupted (${signal} twice)`;
    // Those being launched too: a host that has not launched its agent yet will not.
    const stopped = [
      ...[...this.running.values()].map((running) => ({ id: running.id, jobId: running.jobId })),
      ...[...this.launching].map(([id, jobId]) => ({ id, jobId })),
    ];
    this.running.clear();
    this.launching.clear();
    for (const { id, jobId } of stopped) {
      killJobNow(this.options.logDir, jobId, reason);
      const entry = this.state.tasks[id];
      if (entry !== undefined) entry.ended = true;
      this.ended.set(id, { status: 'Failed', commits: [], reason });
      void this.writer.write({
        taskId: id,
        status: 'Failed',
        log: withEarlierAttempt(this.tasks.get(id), [
          `job ${jobId}: ${reason}; its agent was killed`,
          ...(entry !== undefined ? [`worktree kept: ${entry.worktree}`] : []),
        ]),
      });
    }
    this.saveState();
    await this.writer.flush();
    this.options.print(
      `\nstopped at once: ${stopped.length} agent(s) killed, recorded as Failed in ${this.options.plan}; ccglm run ${this.options.plan} starts them again\n`,
    );
    return signal === 'SIGTERM' ? 143 : 130;
  }

  /** --resume: adopt jobs still running, read the outcomes of those that ended, start nothing twice. */
  private async adoptPrevious(): Promise<void> {
    const previous = this.stateFile.load();
    if (previous !== undefined)
      this.state = {
        ...previous,
        logDir: this.options.logDir,
        settings: settingsOf(this.options),
        ...(this.provider !== undefined ? { provider: this.provider } : {}),
      };
    for (const [id, entry] of Object.entries(this.state.tasks)) {
      const repo = { name: entry.repo, path: entry.repoPath };
      const ws: TaskWorkspace = {
        repo,
        worktree: entry.worktree,
        branch: entry.branch,
        base: entry.base,
      };
      // Completed and merged by the dead run, which died before removing its worktree and branch.
      if (this.tasks.get(id)?.status === 'Completed') {
        this.workspace.removeMerged(ws);
        continue;
      }
      const snap = this.scheduler.snapshot(id);
      if (snap === undefined || snap.state !== 'pending') continue;
      // An end already handled is judged again only when the plan never heard of it (the run died
      // in between): its outcome is read again, and a merge already made is not made twice.
      if (entry.ended === true && this.tasks.get(id)?.status !== 'In Progress') continue;
      const running: RunningTask = {
        id,
        jobId: entry.jobId,
        ws,
        startedAt: entry.startedAt,
        attempt: entry.attempt,
        retries: 0,
        adopted: true,
      };
      const outcome = readOutcome(this.options.logDir, entry.jobId);
      const record = readJob(this.options.logDir, entry.jobId);
      if (outcome === undefined && !record.hostAlive) {
        // Its host died (or the job never ran): no outcome will come. An agent left running
        // unsupervised is stopped, and the task starts again as a new attempt.
        if (record.agentAlive)
          await stopJob(this.options.logDir, entry.jobId, { reason: 'host_died' }).catch(
            () => undefined,
          );
        continue;
      }
      this.scheduler.adopt(id);
      this.running.set(id, running);
      this.options.emit({
        type: 'task.start',
        t: this.now(),
        id,
        wave: snap.wave,
        job: entry.jobId,
        worktree: entry.worktree,
        branch: entry.branch,
        attempt: entry.attempt,
        adopted: true,
      });
      if (outcome !== undefined) await this.settleJob(running, outcome);
      else void this.awaitJob(running);
    }
    this.saveState();
  }

  private saveState(): void {
    this.stateFile.save(this.state);
  }

  private async summarise(
    startedAt: number,
    facts: Promise<Map<string, BranchFacts>>,
  ): Promise<number> {
    const { text, counts } = await summariseRun({
      facts,
      tasks: this.scheduler.state(),
      ended: this.ended,
      repos: [...this.repos.values()],
      integrationBranch: this.workspace.integrationBranch,
      prTitle: `${this.planId}: ${this.compiled.plan.title ?? 'plan'}`,
      planPath: this.planPath,
      push: this.options.push === true,
      warnings: this.writer.warnings,
      skippedInPlan: new Map(
        [...this.tasks.values()]
          .filter((task) => task.status === 'Skipped')
          .map((task) => [task.id, task.statusText ?? 'Skipped']),
      ),
      leftRunning: this.leftRunning,
      ...(this.interrupted !== undefined ? { interrupted: this.interrupted } : {}),
    });
    const exitCode =
      this.interrupted === 'SIGINT'
        ? 130
        : this.interrupted === 'SIGTERM'
          ? 143
          : counts.failed + counts.blocked > 0
            ? 1
            : 0;
    this.options.emit({
      type: 'run.end',
      t: this.now(),
      exitCode,
      ...counts,
      durationMs: this.now() - startedAt,
    });
    this.options.print(text);
    return exitCode;
  }
}

/** Ends the waits for running jobs' ends: one listener per running job, so no listener limit. */
function waitsAbort(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
