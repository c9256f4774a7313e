/**
 * task `repo` -> a git repository on disk: `--repos DIR/<name>`, the repository holding the plan
 * (when the names match or the task has no repo), sibling folders of that repository, then a folder
 * `<name>` beside the plan (a plan kept in a folder that holds its repositories).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { closest } from '../closest.js';
import { CcglmError } from '../errors.js';
import type { Task } from '../plan/types.js';
import { repoTop } from './git.js';

export interface ResolvedRepo {
  name: string;
  path: string;
}

export async function resolveRepos(
  tasks: Task[],
  planPath: string,
  reposDir?: string,
): Promise<Map<string, ResolvedRepo>> {
  const found = await findRepos(tasks, planPath, reposDir);
  if (found.missing !== undefined) throw new CcglmError(found.missing, 1);
  return found.repos;
}

/**
 * Each task's repository; `missing` names those not found, where it looked and the fix (one line);
 * `planRepo` is the top of the worktree holding the plan, if one does.
 */
export async function findRepos(
  tasks: Task[],
  planPath: string,
  reposDir?: string,
  cwd = process.cwd(),
): Promise<{ repos: Map<string, ResolvedRepo>; missing?: string; planRepo?: string }> {
  // A plan kept outside any repository: the repository --repos is (or is in), else the one the
  // command runs in, is the repository of its tasks without a repo field or with its name. A
  // repository given as --repos is also the one of the tasks found nowhere else. (Both asked of git
  // at once: they are on the way to the run's first agent.)
  const [planRepo, givenRepo] = await Promise.all([
    repoTop(path.dirname(planPath)),
    reposDir !== undefined ? repoTop(reposDir) : undefined,
  ]);
  const hostRepo = planRepo === undefined ? (givenRepo ?? (await repoTop(cwd))) : undefined;
  const fallback = (name: string | undefined): ResolvedRepo | undefined => {
    if (hostRepo !== undefined && (name === undefined || name === path.basename(hostRepo)))
      return { name: path.basename(hostRepo), path: hostRepo };
    return givenRepo !== undefined
      ? { name: path.basename(givenRepo), path: givenRepo }
      : undefined;
  };
  const byTask = new Map<string, ResolvedRepo>();
  const cache = new Map<string, ResolvedRepo | undefined>();
  const missing: string[] = [];
  for (const task of tasks) {
    const name = task.repo?.trim();
    const key = name ?? '';
    if (!cache.has(key)) {
      const found =
        (await findRepo(name || undefined, planRepo, reposDir, planPath)) ??
        fallback(name || undefined);
      // Its name is a folder's (worktrees go under `<task>/<name>`): `../a/app` is `app`.
      cache.set(key, found && { name: path.basename(found.path), path: found.path });
    }
    const found = cache.get(key);
    if (found === undefined) {
      // A typo of a folder where repositories are looked for: named.
      const near =
        name !== undefined && name !== ''
          ? closest(
              name,
              nearbyFolders([
                reposDir,
                planRepo && path.dirname(planRepo),
                path.dirname(path.resolve(planPath)),
              ]),
            )
          : undefined;
      missing.push(
        `${task.id} (repo ${name ?? '(none)'}${near !== undefined && near !== name ? `; did you mean ${near}?` : ''})`,
      );
    } else byTask.set(task.id, found);
  }
  if (missing.length > 0) {
    const looked = [
      reposDir !== undefined ? `--repos ${reposDir}` : undefined,
      planRepo !== undefined
        ? `the plan's repository ${planRepo} and its sibling folders`
        : hostRepo !== undefined
          ? `the repository ${hostRepo}`
          : 'the current folder (not in a git repository)',
      `the plan's folder ${path.dirname(path.resolve(planPath))}`,
    ].filter((part) => part !== undefined);
    const where = `looked in ${looked.join(', ')}`;
    return {
      repos: byTask,
      ...(planRepo !== undefined ? { planRepo } : {}),
      missing: `cannot find the git repository of ${missing.join(', ')} (${where}); pass --repos DIR (the repository, or a folder holding the repositories by name), or run from inside the repository`,
    };
  }
  return { repos: byTask, ...(planRepo !== undefined ? { planRepo } : {}) };
}

/** The folders in these folders (where a task's repo is looked for by name). */
function nearbyFolders(dirs: (string | undefined)[]): string[] {
  const names = new Set<string>();
  for (const dir of dirs) {
    if (dir === undefined) continue;
    try {
      for (const entry of readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory() && !entry.name.startsWith('.')) names.add(entry.name);
    } catch {
      // not there, or not readable: nothing to suggest from it
    }
  }
  return [...names];
}

async function findRepo(
  name: string | undefined,
  planRepo: string | undefined,
  reposDir: string | undefined,
  planPath: string,
): Promise<ResolvedRepo | undefined> {
  if (name === undefined || name.length === 0)
    return planRepo !== undefined ? { name: path.basename(planRepo), path: planRepo } : undefined;
  if (reposDir !== undefined) {
    const candidate = path.resolve(reposDir, name);
    if (existsSync(candidate) && (await repoTop(candidate)) === candidate)
      return { name, path: candidate };
  }
  if (planRepo !== undefined) {
    if (path.basename(planRepo) === name) return { name, path: planRepo };
    const sibling = path.join(path.dirname(planRepo), name);
    if (existsSync(sibling) && (await repoTop(sibling)) === sibling) return { name, path: sibling };
    // A repo named like the plan's own (`app` for the repository the plan sits in) is the common case
    // in single-repo plans; a path written as the repo (`.`) too.
    if (name === '.' || name === planRepo) return { name: path.basename(planRepo), path: planRepo };
  }
  const beside = path.join(path.dirname(path.resolve(planPath)), name);
  if (!path.isAbsolute(name) && existsSync(beside) && (await repoTop(beside)) === beside)
    return { name, path: beside };
  if (path.isAbsolute(name) && (await repoTop(name)) === name)
    return { name: path.basename(name), path: name };
  return undefined;
}
