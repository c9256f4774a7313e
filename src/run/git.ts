/**
 * git through execFile with argument arrays (never a shell): branches, worktrees, merges, diffs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  code: number;
}

export async function git(cwd: string, args: string[]): Promise<GitResult> {
  try {
    const { stdout, stderr } = await run('git', args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      env: gitEnv(),
    });
    return { ok: true, stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as {
      stdout?: string;
      stderr?: string;
      code?: number | string;
      message: string;
    };
    return {
      ok: false,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? e.message,
      code: typeof e.code === 'number' ? e.code : 1,
    };
  }
}

/** Like git(), but a failure throws with git's own message. */
export async function gitOrThrow(cwd: string, args: string[]): Promise<string> {
  const result = await git(cwd, args);
  if (!result.ok)
    throw new Error(
      `git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim() || `exit ${result.code}`}`,
    );
  return result.stdout;
}

let environment: NodeJS.ProcessEnv | undefined;

function gitEnv(): NodeJS.ProcessEnv {
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
  let path = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line.startsWith('branch refs/heads/'))
      map.set(line.slice('branch refs/heads/'.length), path);
  }
  return map;
}

export async function commitsBetween(cwd: string, base: string, tip: string): Promise<string[]> {
  const out = await gitOrThrow(cwd, ['log', '--format=%h %s', `${base}..${tip}`]);
  return out.split('\n').filter((line) => line.length > 0);
}

export async function filesChanged(cwd: string, base: string, tip: string): Promise<string[]> {
  const out = await gitOrThrow(cwd, ['diff', '--name-only', `${base}...${tip}`]);
  return out.split('\n').filter((line) => line.length > 0);
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
