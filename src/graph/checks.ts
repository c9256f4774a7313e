/**
 * Graph and lint checks over a parsed plan: each a small rule that pushes diagnostics.
 * CCG2xx: the graph is wrong (errors). CCG4xx: the plan will run, but probably not as meant.
 */
import { distance } from 'fastest-levenshtein';
import type { Diagnostic, PlanDoc, Task } from '../plan/types.js';
import { dependencyClosure, findCycles, reaches, type TaskGraph } from './dag.js';
import { looksLikePath } from './path-match.js';

export interface CheckContext {
  plan: PlanDoc;
  graph: TaskGraph;
  /** Unique tasks by graph index. */
  tasks: Task[];
  order: number[];
  acyclic: boolean;
  waves: string[][];
  concurrency?: number;
  push: (
    diagnostic: Omit<Diagnostic, 'file' | 'related'> & { related?: Diagnostic['related'] },
  ) => void;
}

export function checkDependencies({ plan, graph, push }: CheckContext): void {
  for (const task of plan.tasks) {
    for (const dep of task.dependsOn ?? []) {
      if (dep.id === task.id) {
        push({
          code: 'CCG202',
          severity: 'error',
          message: `Task ${task.id} depends on itself, expected only other tasks in depends_on`,
          span: dep.span,
        });
      } else if (!graph.index.has(dep.id)) {
        // Not the task itself: depending on itself is no fix (CCG202).
        const suggestion = closestId(
          dep.id,
          graph.ids.filter((id) => id !== task.id),
        );
        push({
          code: 'CCG201',
          severity: 'error',
          message: `Task ${task.id} depends on unknown task \`${dep.id}\`, expected the id of a task in this plan`,
          span: dep.span,
          ...(suggestion !== undefined ? { hint: `Did you mean \`${suggestion}\`?` } : {}),
        });
      }
    }
  }
}

export function checkCycles({ graph, tasks, push }: CheckContext): void {
  const { cycles, capped } = findCycles(graph);
  for (const cycle of cycles) {
    const names = [...cycle, cycle[0] as number].map((node) => graph.ids[node]);
    const related = cycle.map((node, i) => {
      const dependent = tasks[cycle[(i + 1) % cycle.length] as number] as Task;
      const entry = dependent.dependsOn?.find((dep) => dep.id === graph.ids[node]);
      return {
        message: `${dependent.id} depends on ${graph.ids[node]} here`,
        span: entry?.span ?? dependent.headingSpan,
      };
    });
    const first = tasks[cycle[1 % cycle.length] as number] as Task;
    push({
      code: 'CCG203',
      severity: 'error',
      message: `Dependency cycle ${names.join(' → ')}, expected the dependencies to form a DAG`,
      span: related[0]?.span ?? first.headingSpan,
      related,
      hint: 'Remove one of the depends_on entries on the cycle.',
    });
  }
  if (capped) {
    push({
      code: 'CCG203',
      severity: 'error',
      message: `More than ${cycles.length} dependency cycles; only the first ${cycles.length} are listed`,
      span: tasks[0]?.headingSpan ?? {
        start: { line: 1, column: 1, offset: 0 },
        end: { line: 1, column: 1, offset: 0 },
      },
    });
  }
}

/** A wave with more tasks still to run than --concurrency (Completed and Skipped ones never start). */
export function checkWaveWidth({ waves, concurrency, tasks, graph, push }: CheckContext): void {
  if (concurrency === undefined || !Number.isFinite(concurrency)) return;
  waves.forEach((ids, i) => {
    const wave = ids.filter((id) => !isDone(tasks[graph.index.get(id) as number] as Task));
    if (wave.length <= concurrency) return;
    const first = tasks[graph.index.get(wave[0] as string) as number] as Task;
    push({
      code: 'CCG402',
      severity: 'warning',
      message: `Wave ${i + 1} has ${wave.length} tasks to run (${wave.join(', ')}), more than --concurrency ${concurrency}: it will run in ${Math.ceil(wave.length / concurrency)} batches`,
      span: first.headingSpan,
    });
  });
}

export function checkOneFilePerTask({ tasks, push }: CheckContext): void {
  if (tasks.length < 4) return;
  // A location in prose (`retrieval pipeline metrics layer`) is an area, not one file.
  const single = tasks.filter(
    (task) => task.location?.length === 1 && looksLikePath(task.location[0]?.path ?? ''),
  );
  if (single.length !== tasks.length) return;
  push({
    code: 'CCG403',
    severity: 'warning',
    message: `Every task lists exactly one file: batch by outcome, not by file (one agent per coherent change set)`,
    span: (tasks[0] as Task).headingSpan,
    hint: 'Merge tasks that change the same feature into one task with several locations.',
  });
}

/** T3 → T1 is redundant when T3 → T2 → T1. */
export function checkRedundantEdges({ graph, tasks, order, acyclic, push }: CheckContext): void {
  if (!acyclic) return;
  if (!graph.deps.some((deps) => deps.length > 1)) return;
  const closure = dependencyClosure(graph, order);
  graph.deps.forEach((deps, node) => {
    if (deps.length < 2) return;
    for (const dep of deps) {
      const via = deps.find((other) => other !== dep && reaches(closure, other, dep));
      if (via === undefined) continue;
      const task = tasks[node] as Task;
      const entry = task.dependsOn?.find((d) => d.id === graph.ids[dep]);
      push({
        code: 'CCG404',
        severity: 'info',
        message: `${task.id} → ${graph.ids[dep]} is redundant: ${task.id} already depends on it through ${graph.ids[via]}`,
        span: entry?.span ?? task.headingSpan,
        hint: `Drop ${graph.ids[dep]} from ${task.id}'s depends_on to keep the graph readable.`,
      });
    }
  });
}

/**
 * The plan's own wave table is wrong only where it would start a task with or before a task it
 * depends on: one warning per table, each such row as a related place. Putting a task later than it
 * could start (to batch work), or numbering from 0, is the author's choice, not a defect: ccglm runs
 * the waves the dependencies give either way.
 */
export function checkDeclaredWaves({ plan, acyclic, push }: CheckContext): void {
  if (!acyclic || plan.declaredWaves === undefined) return;
  const rowOf = new Map<string, number>();
  plan.declaredWaves.forEach((row, index) => {
    for (const id of row.taskIds) if (!rowOf.has(id)) rowOf.set(id, index);
  });
  const dependsOn = new Map(plan.tasks.map((task) => [task.id, task.dependsOn ?? []]));
  const related: Diagnostic['related'] = [];
  const early: string[] = [];
  plan.declaredWaves.forEach((row, index) => {
    const pairs = row.taskIds.flatMap((id) =>
      (dependsOn.get(id) ?? [])
        .filter((dep) => (rowOf.get(dep.id) ?? -1) >= index)
        .map((dep) => `${id} needs ${dep.id}`),
    );
    if (pairs.length === 0) return;
    const name = /^\d+$/.test(row.label) ? `wave ${row.label}` : row.label || `row ${index + 1}`;
    early.push(`${pairs.join(', ')} (${name})`);
    related.push({ message: `${name}: ${pairs.join(', ')}`, span: row.span });
  });
  const first = related[0];
  if (first === undefined) return;
  push({
    code: 'CCG405',
    severity: 'warning',
    message: `The wave table starts tasks with or before what they depend on: ${early.join('; ')}`,
    span: first.span,
    related,
    hint: 'ccglm runs the waves the dependencies give (see ccglm waves); update the table or depends_on.',
  });
}

export function isDone(task: Task): boolean {
  return task.status === 'Completed' || task.status === 'Skipped';
}

function closestId(id: string, ids: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of ids) {
    const d = distance(id.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(id.length / 3)) ? best : undefined;
}
