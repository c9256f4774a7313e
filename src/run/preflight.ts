/**
 * The run's preflight: everything that would make tasks fail for a reason of the set-up, found
 * before anything is written (no lock, job, branch, worktree or log folder; the plan untouched).
 * Every check runs and reports (`PASS …` / `FAIL …; fix: …`), not only the first that fails.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { failureCause, hasExplicitSource, resolveAuth } from '../agent/auth.js';
import { checkAgent, type AgentChoice } from '../agent/preflight.js';
import type { AgentProfile } from '../agent/profiles.js';
import {
  chooseProvider,
  describeChoice,
  type Provider,
  type ProviderDeps,
} from '../agent/provider.js';
import { readJob } from '../jobs/index.js';
import type { Task } from '../plan/types.js';
import type { Target } from '../targets/config.js';
import { checkBranchNames, checkIntegrationBranch, type BranchLock } from './branch-checks.js';
import type { Check } from './check.js';
import { git } from './git.js';
import { describeHolder, liveLockHolder } from './lock.js';
import type { PlanHome } from './plan-home.js';
import { findRepos, type ResolvedRepo } from './repos.js';
import type { ResolvedOptions } from './run-options.js';
import { RunStateFile } from './run-state.js';
import { cutOffNote } from './task-log.js';
import { eventsFileOf, readEventRecord } from '../report/record.js';

export type { Check } from './check.js';

export interface PreflightInput {
  /** The run's settings: the plan as the user named it, --repos, the folders, --resume, the agent. */
  options: ResolvedOptions;
  planPath: string;
  /** The tasks this run would start. */
  tasks: Task[];
  home: PlanHome;
  /** The plan's integration branch (a repository without a commit may still have it). */
  integrationBranch: string;
  /** The claude agent's provider: --provider, else the run being resumed's. */
  provider?: Provider;
  deps: ProviderDeps;
  /** The checks of the targets the tasks use (target-checks.ts), under way beside these. */
  targets: Promise<{ checks: Check[]; targets: Map<string, Target> }>;
  /** No run of the plan yet (every task Not Started): an existing integration branch is not its. */
  firstRun?: boolean;
}

export interface PreflightResult {
  ok: boolean;
  checks: Check[];
  repos: Map<string, ResolvedRepo>;
  /** The claude agent's provider (undefined for other agents). */
  provider?: Provider;
  /** The targets the tasks to start use, by name. */
  targets: Map<string, Target>;
  /** A dead run's attempts cut off with their host: what each task's plan log says of it. */
  cutOff: Map<string, string>;
  /** The integration branch's lock in each repository, taken with the plan's. */
  branchLocks: BranchLock[];
  /** What the run says before it starts (an integration branch that exists before its first run). */
  notes: string[];
}

const pass = (text: string): Check => ({ ok: true, text });
const fail = (text: string): Check => ({ ok: false, text });

export async function runPreflight(input: PreflightInput): Promise<PreflightResult> {
  const { options } = input;
  const holder = liveLockHolder(input.home.lock);
  const checks: Check[] = [
    holder === undefined
      ? pass(`lock: no other run of ${options.plan}`)
      : fail(`lock: ${describeHolder(holder, options.plan)}`),
  ];
  // The state of a live run is its own: only a dead run's jobs are left to take over.
  const earlier = holder === undefined ? checkEarlierRun(input) : undefined;
  if (earlier !== undefined) checks.push(earlier.check);
  const undone = options.resume === true ? undefined : checkUndone(input);
  if (undone !== undefined) checks.push(undone);
  const found = await findRepos(input.tasks, input.planPath, options.repos);
  if (found.missing !== undefined) checks.push(fail(found.missing));
  const repos = [...new Map([...found.repos.values()].map((r) => [r.path, r])).values()];
  const cwd = repos[0]?.path ?? path.dirname(input.planPath);
  const { agent: name, agentCmd, configPath, model } = options;
  const choice: AgentChoice = {
    ...(name !== undefined ? { agent: name } : {}),
    ...(agentCmd !== undefined ? { agentCmd } : {}),
    ...(input.provider !== undefined ? { provider: input.provider } : {}),
    ...(configPath !== undefined ? { configPath } : {}),
  };
  const agent = checkAgent(choice, { cwd, env: input.deps.env, skipRelative: true });
  const branch = input.integrationBranch;
  const names = checkBranchNames(branch, input.tasks, input.planPath);
  const integration = (repo: ResolvedRepo) =>
    checkIntegrationBranch({
      repo,
      branch,
      planPath: input.planPath,
      planRepo: found.planRepo,
      isolation: options.isolation,
      home: input.home,
      firstRun: input.firstRun === true,
    });
  // Side by side: their git commands and `op` are most of the preflight's time.
  const [nameCheck, repoChecks, branchChecks, credentials] = await Promise.all([
    names,
    Promise.all(repos.map((repo) => checkRepo(repo, branch))),
    Promise.all(repos.map(integration)),
    checkCredentials(agent.profile, {
      agent: choice,
      deps: input.deps,
      ...(model !== undefined ? { model } : {}),
      providerResumed: input.provider !== options.provider,
    }),
  ]);
  checks.push(nameCheck);
  repos.forEach((_, i) =>
    checks.push(...(repoChecks[i] ?? []), ...(branchChecks[i]?.checks ?? [])),
  );
  checks.push(
    checkWritable('worktree root', options.worktreeRoot, 'pass --worktree-root DIR with a folder'),
  );
  checks.push(checkWritable('log dir', options.logDir, 'pass --log-dir DIR with a folder'));
  // Where the plan's lock and run state go (plan-home.ts).
  const stateDir = path.dirname(path.dirname(input.home.lock));
  checks.push(checkWritable('state folder', stateDir, 'set XDG_STATE_HOME to a folder'));
  const [cause = '', ...hints] = agent.ok ? [] : agent.lines;
  const fix = hints.map((line) => line.trim().replace(/^Install: /, '')).join('; ');
  checks.push(
    agent.ok
      ? pass(`agent ${agent.profile.name}: ${agent.executable ?? agent.profile.command}`)
      : fail(`agent: ${cause}${fix !== '' ? `; fix: ${fix}` : ''}`),
  );
  checks.push(credentials.check);
  const { checks: targetChecks, targets } = await input.targets;
  checks.push(...targetChecks);
  return {
    ok: checks.every((check) => check.ok),
    checks,
    repos: found.repos,
    ...(credentials.provider !== undefined ? { provider: credentials.provider } : {}),
    targets,
    cutOff: earlier?.cutOff ?? new Map(),
    branchLocks: branchChecks.flatMap((check) => (check.lock !== undefined ? [check.lock] : [])),
    notes: branchChecks.flatMap((check) => (check.note !== undefined ? [check.note] : [])),
  };
}

/** `PASS …` / `FAIL …` lines, as `ccglm job preflight` prints them. */
export function formatChecks(checks: Check[]): string {
  return checks.map((check) => `${check.ok ? 'PASS' : 'FAIL'} ${check.text}\n`).join('');
}

/**
 * Tasks a run of the plan completed (its event record says so) that the plan says Not Started now:
 * an editor's save of a buffer opened before that run undoes its statuses, and a plain run would
 * start every such agent again. Named with --only, they run again.
 */
function checkUndone(input: PreflightInput): Check | undefined {
  const completed = new Set<string>();
  for (const events of readEventRecord(eventsFileOf(input.home.state)).runs)
    for (const event of events)
      if (event.type === 'task.end' && event.status === 'Completed') completed.add(event.id);
  const chosen = new Set(input.options.only ?? []);
  const undone = input.tasks
    .filter(
      (task) => task.status === 'Not Started' && completed.has(task.id) && !chosen.has(task.id),
    )
    .map((task) => task.id);
  if (undone.length === 0) return undefined;
  const ids = undone.join(',');
  return fail(
    `plan: ${undone.join(', ')} ${undone.length === 1 ? 'was' : 'were'} Completed by an earlier run of ${input.options.plan}, but the plan says Not Started now (an editor's save of a copy opened before that run?); fix: set ${undone.length === 1 ? 'it' : 'them'} Completed again in the plan, or to run ${undone.length === 1 ? 'it' : 'them'} again: ccglm run ${input.options.plan} --only ${ids}`,
  );
}

/**
 * A dead run's jobs that still run, or ended without their run taking in the result: only
 * `--resume` may take them over (a plain run would start their tasks a second time, in new
 * worktrees, and leave the first attempt's commits unmerged). Its attempts cut off with their host
 * (no outcome, nothing alive) are not: their tasks start again, and `cutOff` is what their plan log
 * is to say of them.
 */
function checkEarlierRun(input: PreflightInput): { check: Check; cutOff: Map<string, string> } {
  const { plan, logDir: given, resume } = input.options;
  const state = new RunStateFile(input.home.state).load();
  const logDir = state?.logDir ?? given;
  // Only tasks this run would start: one the plan says is done is not started twice anyway.
  const starting = new Set(input.tasks.map((task) => task.id));
  const open: string[] = [];
  const cutOff = new Map<string, string>();
  for (const [id, entry] of Object.entries(state?.tasks ?? {})) {
    if (entry.ended === true) continue;
    try {
      // On a target: its job may run there, or have ended with nobody taking in its work.
      const job = entry.target === undefined ? readJob(logDir, entry.jobId) : undefined;
      if (job !== undefined && job.outcome === undefined && !job.agentAlive && !job.hostAlive)
        cutOff.set(id, cutOffNote(entry, false));
      else if (starting.has(id)) open.push(id);
    } catch {
      // its files cannot be read: nothing to adopt (as --resume finds), nothing to say of it
    }
  }
  // In the plan's order (the run state holds them in the order they started, which varies).
  const ids = input.tasks
    .map((task) => task.id)
    .filter((id) => open.includes(id))
    .join(', ');
  const logs = path.resolve(logDir) === path.resolve(given) ? '' : ` --log-dir ${logDir}`;
  // A --resume without --log-dir (and the other settings of where and how jobs run) takes the dead run's.
  const check =
    open.length === 0
      ? pass('earlier run: no jobs left behind')
      : !resume
        ? fail(
            `earlier run: a run of ${plan} that ended without finishing left the jobs of ${ids} (running, or ended and not merged); a plain run would start them again; fix: ccglm run --resume ${plan}`,
          )
        : logs === ''
          ? pass(`earlier run: --resume takes over the jobs of ${ids}`)
          : fail(
              `earlier run: the jobs of ${ids} are in ${logDir}, not in ${given}; fix: ccglm run --resume ${plan}${logs}`,
            );
  return { check, cutOff };
}

async function checkRepo(repo: ResolvedRepo, integrationBranch: string): Promise<Check[]> {
  const name = `repository ${repo.name} (${repo.path})`;
  // The identity as git decides it when it commits: config, GIT_AUTHOR_*/GIT_COMMITTER_* and EMAIL,
  // else a name and address it can make up (refused when the host has no domain: exit 128).
  const [head, author, committer] = await Promise.all([
    git(repo.path, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']),
    git(repo.path, ['var', 'GIT_AUTHOR_IDENT']),
    git(repo.path, ['var', 'GIT_COMMITTER_IDENT']),
  ]);
  // A repository whose HEAD is unborn may still have the plan's branch from an earlier run.
  const commit = head.ok
    ? head
    : await git(repo.path, ['rev-parse', '--verify', '--quiet', `refs/heads/${integrationBranch}`]);
  const noIdent = [author, committer].find((ident) => !ident.ok);
  const who = committer.stdout.replace(/ \d+ [+-]\d{4}\s*$/, '').trim();
  return [
    commit.ok
      ? pass(`${name}: at ${commit.stdout.trim().slice(0, 7)}`)
      : fail(
          `${name}: no commit yet (ccglm branches from HEAD); fix: make one: git -C ${repo.path} commit --allow-empty -m init`,
        ),
    noIdent === undefined
      ? pass(`${name}: commits and merges as ${who}`)
      : fail(
          `${name}: no git identity for commits and merges (${gitReason(noIdent.stderr)}); fix: git config --global user.name 'Your Name' && git config --global user.email you@example.com`,
        ),
  ];
}

/** git's last `fatal:` line, without the prefix. */
function gitReason(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const fatal = lines.reverse().find((line) => line.startsWith('fatal: ')) ?? lines[0] ?? '';
  return fatal.replace(/^fatal: /, '') || 'git var failed';
}

/**
 * A folder ccglm will make things in: it, or the nearest folder above it that exists, is a folder
 * this user may write in. Nothing is made (the run makes it later).
 */
/** `fix` names the setting that moves the folder (`pass --log-dir DIR`). */
function checkWritable(what: string, dir: string, fix: string): Check {
  let existing = path.resolve(dir);
  for (;;) {
    try {
      const stat = statSync(existing);
      if (!stat.isDirectory())
        return fail(`${what} ${dir}: ${existing} is not a folder; fix: remove it, or ${fix}`);
      break;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
    return pass(`${what} ${dir}: writable${existing === dir ? '' : ` (${existing} is)`}`);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    return fail(`${what} ${dir}: ${existing} is not writable (${code}); fix: ${fix} you can write`);
  }
}

/** The credential the agent's launch will resolve, named by its source (never the secret). */
export async function checkCredentials(
  profile: AgentProfile,
  {
    agent: choice,
    deps,
    model,
    providerResumed,
  }: { agent: AgentChoice; deps: ProviderDeps; model?: string; providerResumed?: boolean },
): Promise<{ check: Check; provider?: Provider }> {
  if (profile.name === 'claude' && choice.agentCmd === undefined) {
    const chosen = await chooseProvider(choice.provider, deps);
    if (!chosen.ok) return { check: fail(`credentials: ${chosen.message}`) };
    const warning = chosen.warning !== undefined ? ` (warning: ${chosen.warning})` : '';
    return {
      check: pass(
        `credentials: ${describeChoice(chosen, deps.env, model, providerResumed === true ? 'as the resumed run' : undefined)}${warning}`,
      ),
      provider: chosen.provider,
    };
  }
  if (profile.auth === 'none' || (profile.auth === 'optional' && !hasExplicitSource(deps.env)))
    return { check: pass(`credentials: none needed by agent ${profile.name}`) };
  const auth = await resolveAuth(deps);
  if (auth.ok) return { check: pass(`credentials: token from ${auth.source}`) };
  const cause = failureCause(auth.message);
  return auth.mode === 'non_strict'
    ? { check: pass(`credentials: none resolved (${cause}); launching without a token`) }
    : {
        check: fail(
          `credentials: ${cause}; fix: export ZAI_API_KEY='…' or CC_GLM_AUTH_TOKEN='…' (see ccglm headless --auth-check)`,
        ),
      };
}
