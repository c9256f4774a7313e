/**
 * The run's preflight of its branches: the names git will be asked to make (the integration branch
 * the plan's file name gives, its tasks' branches), and in each repository the integration branch's
 * checkout (a merge goes into it there with `git merge`) and lock (a run of another plan whose file
 * name gives the same branch). Only git commands read; nothing is made.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Task } from '../plan/types.js';
import { git, type GitResult } from './git.js';
import { describeBranchHolder, liveLockHolder } from './lock.js';
import { branchLockOf, type PlanHome } from './plan-home.js';
import type { Check } from './check.js';
import type { ResolvedRepo } from './repos.js';
import { taskBranchOf } from './workspace.js';

/** A branch lock the run is to take once every check passed (run.ts, lock.ts `acquireBranchLock`). */
export interface BranchLock {
  file: string;
  /** The plan's real path: how the lock names its run to a run of another plan. */
  planPath: string;
  branch: string;
  /** The repository, as a message names it. */
  repo: string;
}

/**
 * The integration branch and task branches git will be asked to make, checked by git
 * (`check-ref-format --branch`). A task id is letters and digits with single `.`, `_` or `-`
 * between them (plan/values.ts TASK_ID): only one with a `.` can end in what git refuses
 * (`.lock`), so the first task's branch stands for the others.
 */
export async function checkBranchNames(
  integration: string,
  tasks: readonly Task[],
  planPath: string,
): Promise<Check> {
  const cwd = path.dirname(planPath);
  const named = tasks.filter((task, i) => i === 0 || task.id.includes('.'));
  const branches = [integration, ...named.map((task) => taskBranchOf(integration, task.id))];
  const valid = await Promise.all(
    branches.map(async (name) => (await git(cwd, ['check-ref-format', '--branch', name])).ok),
  );
  if (valid[0] !== true)
    return {
      ok: false,
      text: `branch names: git refuses ${integration}, the integration branch the plan's file name ${path.basename(planPath)} gives; fix: rename the plan file (its name without -plan.md may not hold '..' nor end in '.lock')`,
    };
  const refused = named.filter((_, i) => valid[i + 1] !== true);
  if (refused.length > 0)
    return {
      ok: false,
      text: `branch names: git refuses ${refused.map((task) => `${taskBranchOf(integration, task.id)} (task ${task.id})`).join(', ')}; fix: rename the task (an id may not end in '.lock')`,
    };
  return { ok: true, text: `branch names: git accepts ${branches.join(', ')}` };
}

export interface IntegrationCheckInput {
  repo: ResolvedRepo;
  branch: string;
  planPath: string;
  /** The top of the worktree holding the plan (repos.ts `findRepos`), if one does. */
  planRepo: string | undefined;
  isolation: 'task' | 'repo';
  home: PlanHome;
  /** No run of the plan yet: an integration branch that exists was made by someone else. */
  firstRun: boolean;
}

/**
 * The integration branch in one repository: no run of another plan holds its lock, and it is not
 * checked out in the worktree holding the plan (with task isolation every task's work is merged
 * there with `git merge`, which the run's own writes to the plan would stop: "uncommitted changes").
 * A checkout without the plan, or where git ignores it, is where merges go, as before.
 */
export async function checkIntegrationBranch(
  input: IntegrationCheckInput,
): Promise<{ checks: Check[]; lock?: BranchLock; note?: string }> {
  const { repo, branch } = input;
  const name = `branch ${branch} in ${repo.name} (${repo.path})`;
  const heads = [branch, 'main', 'master'].map((head) => `refs/heads/${head}`);
  const [refs, common] = await Promise.all([
    git(repo.path, ['for-each-ref', '--format=%(refname)%00%(worktreepath)', ...heads]),
    git(repo.path, ['rev-parse', '--git-common-dir']),
  ]);
  if (!refs.ok || !common.ok)
    return { checks: [{ ok: false, text: `${name}: ${lastLine(refs.ok ? common : refs)}` }] };
  const checkouts = new Map(
    refs.stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => line.split('\0') as [string, string])
      .map(([ref, dir]) => [ref.slice('refs/heads/'.length), dir]),
  );
  const planPath = realpathSync(input.planPath);
  const gitDir = realpathSync(path.resolve(repo.path, common.stdout.trim()));
  const lock: BranchLock = {
    file: branchLockOf(input.home, gitDir, branch),
    planPath,
    branch,
    repo: `${repo.name} (${repo.path})`,
  };
  const checks: Check[] = [];
  const holder = liveLockHolder(lock.file);
  // The plan's own run holds it too: the plan's lock says so.
  if (holder !== undefined && holder.plan !== planPath)
    checks.push({ ok: false, text: describeBranchHolder(holder, branch, lock.repo) });
  const checkout = checkouts.get(branch) || undefined;
  const holdsPlan =
    checkout !== undefined &&
    input.planRepo !== undefined &&
    real(checkout) === real(input.planRepo);
  let where = checkout === undefined ? 'not checked out' : `checked out in ${checkout}`;
  if (holdsPlan) {
    const ignored = (await git(checkout, ['check-ignore', '--quiet', '--', planPath])).ok;
    if (ignored) where += ', where git ignores the plan';
    else if (input.isolation === 'task') {
      const other = ['main', 'master'].find((head) => checkouts.get(head) === '');
      checks.push({
        ok: false,
        text: `${name}: checked out in ${checkout}, which holds the plan: every task's work is merged there with git merge, and ccglm's own writes to the plan would stop each merge (uncommitted changes); fix: switch that checkout to another branch: git -C ${checkout} switch ${other ?? '--detach'}`,
      });
    }
  }
  if (checks.length === 0)
    checks.push({ ok: true, text: `${name}: no other plan's run merges into it; ${where}` });
  const note = checkouts.has(branch) && input.firstRun ? await foreign(repo, branch) : undefined;
  return { checks, lock, ...(note !== undefined ? { note } : {}) };
}

/**
 * An integration branch that exists before the plan's first run, with commits HEAD lacks (a
 * person's `feature-auth`): the tasks would start from it and their PR would carry them. Said.
 */
async function foreign(repo: ResolvedRepo, branch: string): Promise<string | undefined> {
  const ahead = await git(repo.path, ['log', '--format=%h %s', `HEAD..refs/heads/${branch}`]);
  const commits = ahead.ok ? ahead.stdout.trim().split('\n').filter(Boolean) : [];
  if (commits.length === 0) return undefined;
  return `branch ${branch} in ${repo.name} (${repo.path}) exists already, ${commits.length} commit(s) ahead of HEAD (${commits[0]}): this plan's tasks start from it, merge into it, and it is the branch to push; to keep it apart: git -C ${repo.path} branch -m ${branch} OTHER-NAME, then run again`;
}

/** The real path (a folder gone since git noted it: as it is). */
function real(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

const lastLine = (result: GitResult): string =>
  result.stderr
    .trim()
    .split('\n')
    .pop()
    ?.replace(/^fatal: /, '') || `${result.command} failed`;
