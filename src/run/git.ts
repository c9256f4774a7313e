/**
 * The one place ccglm runs git: argument arrays (never a shell), one process per command, the
 * result with its exit code, signal and the command itself. Every git operation of a run is a git
 * command (branches, worktrees, merges with `merge-tree --write-tree`, `commit-tree`, `update-ref`,
 * diffs); nothing here reads `.git` or writes git objects itself.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';

export interface GitResult {
  ok: boolean;
  /** The exit code (1 when git could not be started or was killed by a signal). */
  code: number;
  /** The signal that ended git, if one did. */
  signal: NodeJS.Signals | null;
  /** `git <args…>` as run (for messages). */
  command: string;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  /** Written to git's stdin (e.g. for `update-ref --stdin`). */
  input?: string;
  /**
   * Work nobody waits for (cleanup, files edited, worktrees made ahead): run at a lower CPU
   * priority, so on a busy machine the merges and starts that tasks wait for go first.
   */
  background?: boolean;
}

let environment: NodeJS.ProcessEnv | undefined;
/** Merges and commits made by ccglm itself must not stop for an editor, a pager or a prompt. */
const quietEnv = () => ({
  ...process.env,
  GIT_EDITOR: 'true',
  GIT_PAGER: 'cat',
  GIT_TERMINAL_PROMPT: '0',
});

/** Lower CPU priority for background git work (niceness 10; an unprivileged process may lower its own). */
const BACKGROUND_NICENESS = 10;

/** Runs git to its end; never throws (a start Node refuses, e.g. a NUL in an argument, fails it). */
export function git(cwd: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  const command = `git ${args.join(' ')}`;
  return new Promise((resolve) => {
    let child;
    try {
      child = execFile(
        'git',
        args,
        { cwd, env: (environment ??= quietEnv()), maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error === null)
            return resolve({ ok: true, code: 0, signal: null, command, stdout, stderr });
          const code = typeof error.code === 'number' ? error.code : 1;
          const signal = error.signal ?? null;
          resolve({ ok: false, code, signal, command, stdout, stderr: stderr || error.message });
        },
      );
    } catch (error) {
      resolve({
        ok: false,
        code: 1,
        signal: null,
        command,
        stdout: '',
        stderr: (error as Error).message,
      });
      return;
    }
    if (options.background === true && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, BACKGROUND_NICENESS);
      } catch {
        // already gone, or not allowed: it runs at normal priority
      }
    }
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** Like git(), but a failure throws with git's own message. */
export async function gitOrThrow(
  cwd: string,
  args: string[],
  options: GitOptions = {},
): Promise<string> {
  const result = await git(cwd, args, options);
  if (!result.ok)
    throw new Error(
      `${result.command} failed in ${cwd}: ${result.stderr.trim() || `exit ${result.code}`}`,
    );
  return result.stdout;
}

export async function repoTop(dir: string): Promise<string | undefined> {
  const result = await git(dir, ['rev-parse', '--show-toplevel']);
  return result.ok ? result.stdout.trim() : undefined;
}

export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return result.ok ? result.stdout.trim() : undefined;
}

/** `commit` is in the history of `of` (`git merge-base --is-ancestor`). */
export async function isAncestor(cwd: string, commit: string, of: string): Promise<boolean> {
  return (await git(cwd, ['merge-base', '--is-ancestor', commit, of])).ok;
}

/** A branch's tip and the worktree it is checked out in (`for-each-ref`, one git process). */
export async function branchState(
  cwd: string,
  branch: string,
): Promise<{ tip: string | undefined; worktree: string | undefined }> {
  const ref = `refs/heads/${branch}`;
  const out = await gitOrThrow(cwd, [
    'for-each-ref',
    '--format=%(refname)%00%(objectname)%00%(worktreepath)',
    ref,
  ]);
  for (const line of out.split('\n')) {
    const [name, tip, worktree] = line.split('\0');
    if (name === ref) return { tip, worktree: worktree === '' ? undefined : worktree };
  }
  return { tip: undefined, worktree: undefined };
}

/** Where each branch is checked out: branch -> worktree path. */
export async function worktreesByBranch(cwd: string): Promise<Map<string, string>> {
  const out = await gitOrThrow(cwd, ['worktree', 'list', '--porcelain']);
  const map = new Map<string, string>();
  let dir = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) dir = line.slice('worktree '.length);
    else if (line.startsWith('branch refs/heads/'))
      map.set(line.slice('branch refs/heads/'.length), dir);
  }
  return map;
}

export async function filesChanged(
  cwd: string,
  base: string,
  tip: string,
  options: GitOptions = {},
): Promise<string[]> {
  // -z: names as they are (no quoting of non-ASCII or odd characters).
  const out = await gitOrThrow(cwd, ['diff', '--name-only', '-z', `${base}...${tip}`], options);
  return out.split('\0').filter((name) => name.length > 0);
}

/** Uncommitted changes (tracked or untracked) in a worktree. */
export async function isDirty(cwd: string): Promise<boolean> {
  const result = await git(cwd, ['status', '--porcelain']);
  return !result.ok || result.stdout.trim().length > 0;
}

export type MergeResult = { ok: true } | { ok: false; conflicts: string[]; message: string };

/** Merges `branch` into the branch checked out at `cwd`; on conflict aborts and names the files. */
export async function mergeBranch(
  cwd: string,
  branch: string,
  message: string,
): Promise<MergeResult> {
  const result = await git(cwd, ['merge', '--no-ff', '--no-edit', '-m', message, branch]);
  if (result.ok) return { ok: true };
  const unmerged = await git(cwd, ['diff', '--name-only', '--diff-filter=U']);
  const conflicts = unmerged.stdout.split('\n').filter((line) => line.length > 0);
  await git(cwd, ['merge', '--abort']);
  return {
    ok: false,
    conflicts,
    message: (result.stderr || result.stdout).trim().split('\n')[0] ?? 'merge failed',
  };
}

/** The commits on `tip` that `base` lacks (`%h %s`, newest first) and the full id of the newest. */
export interface BranchLog {
  /** The newest commit's full id; undefined when there is no new commit. */
  tip: string | undefined;
  /** `%h %s`, newest first. */
  commits: string[];
}

export async function branchCommits(cwd: string, base: string, tip: string): Promise<BranchLog> {
  const out = await gitOrThrow(cwd, ['log', '--format=%H %h %s', `${base}..${tip}`]);
  const lines = out.split('\n').filter((line) => line.length > 0);
  return {
    tip: lines[0]?.slice(0, lines[0].indexOf(' ')),
    commits: lines.map((line) => line.slice(line.indexOf(' ') + 1)),
  };
}

export type TreeMerge =
  | { kind: 'clean'; tree: string }
  | { kind: 'conflict'; files: string[] }
  /** This git has no `merge-tree --write-tree` (before 2.38): merge in a worktree instead. */
  | { kind: 'unsupported' };

/** Merges two commits without a worktree (`git merge-tree --write-tree`, git 2.38+). */
export async function mergeTrees(cwd: string, ours: string, theirs: string): Promise<TreeMerge> {
  const result = await git(cwd, [
    'merge-tree',
    '--write-tree',
    '--no-messages',
    '--name-only',
    ours,
    theirs,
  ]);
  const lines = result.stdout.split('\n').filter((line) => line.length > 0);
  if (result.ok && lines[0] !== undefined) return { kind: 'clean', tree: lines[0] };
  if (result.code === 1 && lines.length > 1)
    return { kind: 'conflict', files: [...new Set(lines.slice(1))] };
  return { kind: 'unsupported' };
}
