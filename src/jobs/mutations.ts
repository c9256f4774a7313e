/**
 * What changed in a job's worktree: `git status --porcelain` (uncommitted and untracked, as the shell
 * runner counts) plus the files of commits made since the job started (`start_commit` in meta), so
 * an agent that commits its work still shows as having changed files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
}

/** The worktree's HEAD commit, or undefined outside a git repository (or before a first commit). */
export function headCommit(worktree: string): string | undefined {
  return git(worktree, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])?.trim() || undefined;
}

/**
 * One line per changed path: porcelain lines (`XY path`), then `XY path (committed)` for paths
 * changed by commits since `since` and clean now. Empty when the folder is missing or not git.
 */
export function changedEntries(worktree: string | undefined, since?: string): string[] {
  if (worktree === undefined || worktree === '' || !fs.existsSync(worktree)) return [];
  const status = git(worktree, ['status', '--porcelain=v1', '-z']);
  if (status === undefined) return [];
  const entries: string[] = [];
  const seen = new Set<string>();
  const fields = status.split('\0');
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i] ?? '';
    if (field.length < 4) continue;
    const path = field.slice(3);
    entries.push(field);
    seen.add(path);
    // A rename or copy is followed by its origin path.
    if (/[RC]/.test(field.slice(0, 2))) i += 1;
  }
  if (since !== undefined && since !== '') {
    const committed = git(worktree, ['diff', '--name-status', '-z', '--no-renames', since, 'HEAD']);
    const parts = (committed ?? '').split('\0');
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const [code, path] = [parts[i] ?? '', parts[i + 1] ?? ''];
      if (path === '' || seen.has(path)) continue;
      seen.add(path);
      entries.push(`${code.padEnd(2)} ${path} (committed)`);
    }
  }
  return entries;
}

/** How many paths changed (see changedEntries). */
export function countMutations(worktree: string | undefined, since?: string): number {
  return changedEntries(worktree, since).length;
}
