/**
 * The overlap check (CCG401): tasks that may change the same files at the same time.
 */
import type { LocationEntry, Task } from '../plan/types.js';
import { isDone, type CheckContext } from './checks.js';
import { dependencyClosure, reaches } from './dag.js';
import { locationMatcher, looksLikePath } from './path-match.js';

/**
 * Tasks that may still run at the same time (neither reaches the other, neither already Completed
 * or Skipped: a run never starts those) and list the same files: one warning per pair of tasks,
 * every shared file in it. Only entries that look like paths count, and not those noted read-only.
 */
export function checkOverlaps({ graph, tasks, order, acyclic, push }: CheckContext): void {
  if (!acyclic) return;
  const byPath = new Map<string, { node: number; entry: LocationEntry }[]>();
  tasks.forEach((task, node) => {
    if (isDone(task)) return;
    for (const entry of task.location ?? []) {
      if (isReadOnly(entry) || !looksLikePath(entry.path)) continue;
      const path = normalisePath(entry.path);
      const list = byPath.get(path) ?? [];
      if (!list.some((other) => other.node === node)) list.push({ node, entry });
      byPath.set(path, list);
    }
  });
  const keys = [...byPath.keys()];
  const globs = keys.filter((key) => key.includes('*') || key.endsWith('/'));
  let closure: Uint32Array[] | undefined;
  const pairs = new Map<
    string,
    { first: number; second: number; files: Map<string, [LocationEntry, LocationEntry]> }
  >();
  const compare = (
    a: { node: number; entry: LocationEntry },
    b: { node: number; entry: LocationEntry },
    file: string,
  ) => {
    if (a.node === b.node) return;
    const [x, y] = a.node < b.node ? [a, b] : [b, a];
    const key = `${x.node}:${y.node}`;
    let pair = pairs.get(key);
    if (pair === undefined) {
      closure ??= dependencyClosure(graph, order);
      if (reaches(closure, x.node, y.node) || reaches(closure, y.node, x.node)) return;
      pair = { first: x.node, second: y.node, files: new Map() };
      pairs.set(key, pair);
    }
    if (!pair.files.has(file)) pair.files.set(file, [x.entry, y.entry]);
  };
  for (const [path, users] of byPath) {
    for (let i = 0; i < users.length; i += 1)
      for (let j = i + 1; j < users.length; j += 1) compare(users[i]!, users[j]!, path);
  }
  // Globs and folders cover the files under them.
  for (const glob of globs) {
    const prefix = glob.replace(/\*.*$/, '');
    const matcher = locationMatcher(glob);
    for (const key of keys) {
      if (key === glob || !key.startsWith(prefix) || !matcher(key)) continue;
      for (const a of byPath.get(glob) ?? [])
        for (const b of byPath.get(key) ?? []) compare(a, b, key);
    }
  }
  for (const pair of [...pairs.values()].sort((p, q) => p.first - q.first || p.second - q.second)) {
    const first = tasks[pair.first] as Task;
    const second = tasks[pair.second] as Task;
    const files = [...pair.files.keys()];
    // A folder or glob covers the file: say whose, so the message says what each task lists.
    const covered = (file: string, entry: LocationEntry, task: Task) =>
      normalisePath(entry.path) === file ? '' : ` (in ${task.id}'s \`${entry.path}\`)`;
    const shared = [...pair.files]
      .map(([file, [a, b]]) => `\`${file}\`${covered(file, a, first)}${covered(file, b, second)}`)
      .join(', ');
    const entries = [...pair.files.values()];
    const earliest = (side: 0 | 1) =>
      entries
        .map((both) => both[side])
        .reduce((a, b) => (b.span.start.offset < a.span.start.offset ? b : a));
    const firstEntry = earliest(0);
    const secondEntry = earliest(1);
    push({
      code: 'CCG401',
      severity: 'warning',
      message: `Tasks ${first.id} and ${second.id} can run at the same time and may both change ${shared}: merge-conflict risk`,
      span: secondEntry.span,
      related: [
        {
          message: `${first.id} lists ${files.length === 1 ? 'it' : 'them'} here`,
          span: firstEntry.span,
        },
      ],
      hint: `Make one depend on the other, or merge them into one task (a file only read can be noted \`(read-only)\`).`,
    });
  }
}

/** `(read-only)`, `(reads)`, `(reference only)`: a file a task looks at, not one it changes. */
function isReadOnly(entry: LocationEntry): boolean {
  return (
    entry.note !== undefined &&
    /\bread[\s-]?only\b|^reads?\b|\breference only\b|\bno changes?\b|\bunchanged\b/i.test(
      entry.note,
    )
  );
}

function normalisePath(path: string): string {
  return path
    .trim()
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .replace(/\/{2,}/g, '/');
}
