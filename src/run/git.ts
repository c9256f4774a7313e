/**
 * git with argument arrays (never a shell), forked here or by the run's spawner: branches,
 * worktrees, merges, diffs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, type CommandResult } from './run-command.js';
import { SpawnerClient } from './spawner-client.js';

export type GitResult = CommandResult;

export interface GitOptions {
  /** Written to git's stdin (e.g. for `update-ref --stdin`). */
  input?: string;
  /**
   * Work nobody waits for (cleanup, files edited, worktrees made ahead): run at a lower CPU
   * priority, so on a busy machine the merges and starts that tasks wait for go first.
   */
  background?: boolean;
}

/** Lower CPU priority for background git work (niceness 10; an unprivileged process may lower its own). */
const BACKGROUND_NICENESS = 10;

/** While set, git runs through a spawner process rather than forking this one (see spawner.ts). */
let spawner: SpawnerClient | undefined;

/**
 * From now on git() runs git through a spawner process (started now); the function returned ends
 * that. For a long-lived process that runs many git commands: `ccglm run`.
 */
export function useSpawner(): () => void {
  const client = new SpawnerClient(gitEnv());
  client.start();
  spawner = client;
  return () => {
    client.close();
    if (spawner === client) spawner = undefined;
  };
}

export function git(cwd: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  const niceness = options.background === true ? BACKGROUND_NICENESS : undefined;
  const viaSpawner = spawner?.run('git', args, {
    cwd,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(niceness !== undefined ? { niceness } : {}),
  });
  if (viaSpawner !== undefined) return viaSpawner;
  return new Promise((resolve) =>
    runCommand(
      {
        file: 'git',
        args,
        cwd,
        env: gitEnv(),
        ...(options.input !== undefined ? { input: options.input } : {}),
        ...(niceness !== undefined ? { niceness } : {}),
      },
      resolve,
    ),
  );
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
      `git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim() || `exit ${result.code}`}`,
    );
  return result.stdout;
}

let environment: NodeJS.ProcessEnv | undefined;

/** The environment git runs in (see the comment inside). */
export function gitEnv(): NodeJS.ProcessEnv {
  // Merges and commits made by ccglm itself must not stop for an editor or a pager.
  environment ??= {
    ...process.env,
    GIT_EDITOR: 'true',
    GIT_PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
  };
  return environment;
}

export async function repoTop(dir: string): Promise<string | undefined> {
  const result = await git(dir, ['rev-parse', '--show-toplevel']);
  return result.ok ? result.stdout.trim() : undefined;
}

export async function revParse(cwd: string, rev: string): Promise<string | undefined> {
  const result = await git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return result.ok ? result.stdout.trim() : undefined;
}

export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  return (await revParse(cwd, `refs/heads/${branch}`)) !== undefined;
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

/**
 * Where each branch is checked out, read from the repository's files (no git process, and no
 * trouble with a worktree another git is adding right now): branch -> worktree folder. A branch in
 * the middle of a rebase or bisect counts as checked out, as git counts it; a worktree whose folder
 * is gone does not. Undefined when the files cannot tell (a reftable repository): ask git instead.
 */
export function checkedOutBranches(
  commonDir: string,
  mainWorktree: string | undefined,
  /** Only where this branch is checked out (the map has it or nothing). */
  only?: string,
): Map<string, string> | undefined {
  const map = new Map<string, string>();
  let unknown = false;
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const branchesOf = (gitDir: string): string[] => {
    // One listing tells which files to read (a read of a missing file costs an exception).
    let entries: Set<string>;
    try {
      entries = new Set(readdirSync(gitDir));
    } catch {
      return [];
    }
    const has = (name: string) => entries.has(name);
    const head = has('HEAD') ? read(path.join(gitDir, 'HEAD')) : undefined;
    if (head === 'ref: refs/heads/.invalid') unknown = true;
    const names = [
      head?.startsWith('ref: refs/heads/') === true ? head.slice('ref: refs/heads/'.length) : '',
      // A rebase or a bisect detaches HEAD but still holds its branch.
      ...['rebase-merge', 'rebase-apply']
        .filter(has)
        .map((d) => (read(path.join(gitDir, d, 'head-name')) ?? '').replace(/^refs\/heads\//, '')),
      has('BISECT_START') ? (read(path.join(gitDir, 'BISECT_START')) ?? '') : '',
    ];
    return names.filter((name) => name !== '' && name !== 'detached HEAD');
  };
  if (mainWorktree !== undefined)
    for (const branch of branchesOf(commonDir))
      if (only === undefined || branch === only) map.set(branch, mainWorktree);
  let names: string[] = [];
  try {
    names = readdirSync(path.join(commonDir, 'worktrees'));
  } catch {
    // no linked worktrees
  }
  for (const name of names) {
    const admin = path.join(commonDir, 'worktrees', name);
    const branches = branchesOf(admin).filter((branch) => only === undefined || branch === only);
    if (branches.length === 0) continue;
    const gitdir = read(path.join(admin, 'gitdir'));
    // A worktree being added has no gitdir file yet: it counts. One whose folder is gone does not.
    const dir = gitdir === undefined ? admin : path.dirname(gitdir);
    if (gitdir !== undefined && !existsSync(dir)) continue;
    for (const branch of branches) map.set(branch, dir);
  }
  return unknown ? undefined : map;
}
