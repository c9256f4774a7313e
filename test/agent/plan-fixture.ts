import { execFileSync } from 'node:child_process';
import type { PlanDoc, Task, TaskStatus } from '../../src/plan/types.js';

const span = {
  start: { line: 1, column: 1, offset: 0 },
  end: { line: 1, column: 1, offset: 0 },
};

/** A hand-built task (the renderer is pure: it needs PlanDoc data, not a parser). */
export function task(
  id: string,
  fields: {
    name?: string;
    dependsOn?: { id: string; note?: string }[];
    repo?: string;
    location?: (string | { path: string; note: string })[] | null;
    description?: string;
    validation?: string;
    status?: TaskStatus;
    log?: string;
  } = {},
): Task {
  return {
    id,
    name: fields.name ?? `Task ${id}`,
    depth: 3,
    headingSpan: span,
    span,
    dependsOn: (fields.dependsOn ?? []).map((dep) => ({ ...dep, span })),
    ...(fields.repo !== undefined ? { repo: fields.repo } : {}),
    location:
      fields.location === null
        ? null
        : (fields.location ?? []).map((entry) =>
            typeof entry === 'string' ? { path: entry, span } : { ...entry, span },
          ),
    ...(fields.description !== undefined ? { description: fields.description } : {}),
    ...(fields.validation !== undefined ? { validation: fields.validation } : {}),
    ...(fields.log !== undefined ? { log: fields.log } : {}),
    status: fields.status ?? 'Not Started',
    filesEdited: [],
    fields: [],
  };
}

export function planDoc(tasks: Task[], file = 'demo-plan.md'): PlanDoc {
  return { file, eol: '\n', tasks };
}

/** A fresh git repo with one commit, for agents that commit. */
export function initRepo(dir: string): void {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'user.name', 'test');
  git('commit', '-q', '--allow-empty', '-m', 'initial');
}

export function gitOut(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}
