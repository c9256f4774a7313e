/**
 * Where a plan's lock and run state live: a per-user state folder ($XDG_STATE_HOME/ccglm, else
 * ~/.local/state/ccglm), the files named by a hash of the plan file's real path. So one plan has one
 * owner and one state whatever --log-dir or --worktree-root a run is given, and nothing is added
 * beside the plan (in the user's repository). Beside them, the locks of integration branches
 * (`branches/`), held by the run that merges into one.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../agent/auth.js';

export interface PlanHome {
  /** A hash of the plan's real path (12 hex digits). */
  key: string;
  lock: string;
  state: string;
}

/** The per-user state folder of ccglm. */
export function stateDirOf(env: Env, home: string): string {
  const xdg = env['XDG_STATE_HOME'];
  return xdg !== undefined && path.isAbsolute(xdg)
    ? path.join(xdg, 'ccglm')
    : path.join(home, '.local', 'state', 'ccglm');
}

/** The plan's real path (symlinks resolved); its absolute path when it cannot be read (gone). */
export function realPlanPath(plan: string): string {
  try {
    return realpathSync(plan);
  } catch {
    return path.resolve(plan);
  }
}

/** The lock and state files of the plan at `planPath` (which exists: its real path is read). */
export function planHome(planPath: string, planId: string, stateDir: string): PlanHome {
  const key = createHash('sha1').update(realpathSync(planPath)).digest('hex').slice(0, 12);
  const base = path.join(stateDir, 'runs', `${planId}-${key}`);
  return { key, lock: `${base}.lock`, state: `${base}.state.json` };
}

/**
 * The lock of an integration branch in one repository, named by a hash of the repository's git
 * folder (`git rev-parse --git-common-dir`: shared by its worktrees, which share branches) and the
 * branch: two plans whose file names give one topic take the same lock.
 */
export function branchLockOf(home: PlanHome, gitDir: string, branch: string): string {
  const key = createHash('sha1').update(`${gitDir}\0${branch}`).digest('hex').slice(0, 12);
  return path.join(path.dirname(home.lock), 'branches', `${branch}-${key}.lock`);
}
