/** The end-of-run summary: per task status, duration and commits; per repo its integration branch and the push/PR commands. */
import type { TaskSnapshot } from '../schedule/scheduler.js';
import type { TaskEndStatus } from './events.js';
import { git, type GitResult } from './git.js';
import type { ResolvedRepo } from './repos.js';

export interface TaskEnd {
  status: TaskEndStatus;
  durationMs?: number;
  commits: string[];
  reason?: string;
}

export interface SummaryInput {
  tasks: TaskSnapshot[];
  ended: Map<string, TaskEnd>;
  repos: ResolvedRepo[];
  integrationBranch: string;
  prTitle: string;
  planPath: string;
  /** Push the integration branches (when a remote exists and nothing failed). */
  push: boolean;
  warnings: string[];
  /** The agent this run used and where its repositories are (its re-run command names them). */
  agent?: { agent?: string; agentCmd?: string; repos?: string };
  /** The branches' last commits and remotes (`readBranchFacts`, read once the branches moved last). */
  facts: Promise<Map<string, BranchFacts>>;
  /** Tasks the plan already marks Skipped (Deferred, Won't do…), with the word it uses. */
  skippedInPlan?: Map<string, string>;
  /** Tasks whose jobs were left running (--detach). */
  leftRunning?: ReadonlySet<string>;
  /** The signal that interrupted the run, if one did. */
  interrupted?: string;
}

/** What the summary shows of a repo: its integration branch's last commits, and its remotes. */
export interface BranchFacts {
  log: GitResult;
  remote: GitResult;
}

/** Reads each repo's branch facts, side by side (once the branch moves no more). */
export async function readBranchFacts(
  repos: ResolvedRepo[],
  branch: string,
): Promise<Map<string, BranchFacts>> {
  const paths = [...new Set(repos.map((repo) => repo.path))];
  const facts = await Promise.all(
    paths.map(async (repoPath) => {
      const [log, remote] = await Promise.all([
        git(repoPath, ['log', '--oneline', '-5', branch]),
        git(repoPath, ['remote']),
      ]);
      return [repoPath, { log, remote }] as const;
    }),
  );
  return new Map(facts);
}

export interface RunCounts {
  completed: number;
  failed: number;
  blocked: number;
  skipped: number;
  notStarted: number;
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

const NOT_RUN: Record<string, string> = {
  completed: 'Completed (already)',
  skipped: 'Skipped (not selected)',
  pending: 'Not started',
  // Blocked without an end of its own: a task removed from the plan, or whose plan file went
  // (launch.ts leaveOut).
  blocked: 'Not started (left out of the plan during the run)',
};

export async function summariseRun(
  input: SummaryInput,
): Promise<{ text: string; counts: RunCounts; pushFailed: boolean }> {
  const counts: RunCounts = { completed: 0, failed: 0, blocked: 0, skipped: 0, notStarted: 0 };
  /** --push was asked for a finished run, and a branch was not pushed (the run exits 1). */
  let pushFailed = false;
  const lines: string[] = ['', 'Summary'];
  for (const snap of input.tasks) {
    const ended = input.ended.get(snap.id);
    if (ended?.status === 'Completed') counts.completed += 1;
    else if (ended?.status === 'Failed') counts.failed += 1;
    else if (ended?.status === 'Blocked') counts.blocked += 1;
    else if (snap.state === 'skipped') counts.skipped += 1;
    else if (snap.state === 'pending') counts.notStarted += 1;
    const details = [
      ended?.durationMs !== undefined ? formatDuration(ended.durationMs) : undefined,
      ended !== undefined && ended.commits.length > 0
        ? `${ended.commits.length} commit(s)`
        : undefined,
      ended?.reason,
    ].filter(Boolean);
    const status =
      ended?.status ??
      (input.leftRunning?.has(snap.id) === true
        ? `In Progress (left running: ${input.interrupted === 'SIGHUP' ? 'the terminal closed' : '--detach'})`
        : input.skippedInPlan?.has(snap.id) === true
          ? `Skipped (the plan says ${input.skippedInPlan.get(snap.id) ?? 'Skipped'})`
          : (NOT_RUN[snap.state] ?? snap.state));
    lines.push(
      `  ${snap.id.padEnd(8)} ${status}${details.length > 0 ? `  (${details.join(', ')})` : ''}`,
    );
  }
  // Right under the tasks, not after the push lines: the plan does not say what the run did.
  if (input.warnings.length > 0)
    lines.push(
      '',
      ...input.warnings.map((warning) => `warning: ${warning}`),
      'warning: the plan does not show all of this run; set those tasks there by hand (a plain re-run starts a task again unless the plan says Completed)',
    );
  const branch = input.integrationBranch;
  const facts = await input.facts;
  const nextStep = whatToDo(input, counts);
  for (const repo of new Map(input.repos.map((r) => [r.path, r])).values()) {
    const fact = facts.get(repo.path);
    if (fact === undefined || !fact.log.ok) continue;
    const { log, remote } = fact;
    lines.push(
      '',
      `${repo.name} (${repo.path}), branch ${branch}:`,
      ...log.stdout
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
    const hasRemote = remote.ok && remote.stdout.trim().length > 0;
    // gh reads the repository from the folder it runs in: each repo's PR from its own.
    const pr = `cd ${shellQuote(repo.path)} && gh pr create --head ${branch} --title ${shellQuote(input.prTitle)} --body-file ${shellQuote(input.planPath)}`;
    if (nextStep !== undefined) continue;
    if (input.push && hasRemote) {
      const pushed = await git(repo.path, ['push', '-u', 'origin', branch]);
      if (!pushed.ok) pushFailed = true;
      lines.push(
        pushed.ok
          ? `  pushed ${branch} to origin; open the PR with: ${pr}`
          : `  push failed: ${pushed.stderr.trim()}`,
      );
    } else {
      if (input.push) pushFailed = true;
      if (!hasRemote)
        lines.push(
          `  no remote yet: git -C ${shellQuote(repo.path)} remote add origin URL, then:`,
          ...(input.push ? ['  (--push: nothing pushed)'] : []),
        );
      lines.push(
        `  push: git -C ${shellQuote(repo.path)} push -u origin ${branch}`,
        `  PR:   ${pr}`,
      );
    }
  }
  // Said once, for the whole plan (not under each repository).
  if (nextStep !== undefined) lines.push(`  not ready to push: ${nextStep}`);
  return { text: `${lines.join('\n')}\n`, counts, pushFailed };
}

/** What stands between this run and a branch to push, and what to type; undefined: nothing. */
function whatToDo(input: SummaryInput, counts: RunCounts): string | undefined {
  const plan = input.planPath;
  const running = input.leftRunning?.size ?? 0;
  if (running > 0)
    return `${running} job(s) still running; ccglm run --resume ${plan} adopts them and finishes the plan`;
  const open = counts.failed + counts.blocked + counts.notStarted;
  if (open > 0)
    return `${open} task(s) not completed${input.interrupted !== undefined ? ` (interrupted by ${input.interrupted})` : ''}; see their log in ${plan}, then ${rerunCommand(plan, input.agent)} (Completed tasks are not run again)`;
  // --only / --from ran part of the plan: the branch is ready when the rest is done too.
  if (counts.skipped > 0)
    return `${counts.skipped} task(s) not in this run (--only/--from) are not completed yet; ${rerunCommand(plan, input.agent)} runs them`;
  return undefined;
}

/**
 * `ccglm run PLAN` with the agent this run used (typed as printed, a re-run of a plan tried with
 * `--agent demo` or an `--agent-cmd` does not start the default, paid agent instead) and its
 * `--repos`.
 */
export function rerunCommand(
  plan: string,
  settings?: { agent?: string; agentCmd?: string; repos?: string },
): string {
  return [
    `ccglm run ${shellQuote(plan)}`,
    ...(settings?.agent !== undefined ? [`--agent ${shellQuote(settings.agent)}`] : []),
    ...(settings?.agentCmd !== undefined ? [`--agent-cmd ${shellQuote(settings.agentCmd)}`] : []),
    // Where its repositories are, typed from any folder.
    ...(settings?.repos !== undefined ? [`--repos ${shellQuote(settings.repos)}`] : []),
  ].join(' ');
}

/** A word a POSIX shell reads back as written: a plan title with `` ` `` or `$` runs nothing when pasted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
