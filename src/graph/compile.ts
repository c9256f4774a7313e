/**
 * The compiler facade every command goes through: parse, then the graph and lint checks, then the
 * waves and critical path. Pure: text in, compiled plan out.
 */
import { parsePlan, type ParseOptions } from '../plan/parse.js';
import type { CompileResult, Diagnostic, Task } from '../plan/types.js';
import { buildGraph, computeWaves, criticalPath, topologicalOrder, type TaskGraph } from './dag.js';
import {
  checkCycles,
  checkDeclaredWaves,
  checkDependencies,
  checkOneFilePerTask,
  checkRedundantEdges,
  checkWaveWidth,
  type CheckContext,
} from './checks.js';
import { checkOverlaps } from './overlaps.js';

export interface PlanGraphInfo {
  /** Task ids per wave, wave 1 first; empty when the graph has a cycle. */
  waves: string[][];
  /** The longest dependency chain. */
  criticalPath: string[];
  /** from = dependency, to = dependent. */
  edges: { from: string; to: string }[];
}

export type CompiledPlan = CompileResult & { graph: PlanGraphInfo };

export interface CompileOptions {
  /** For the wave-width warning. */
  concurrency?: number;
  /** The repositories the plan's tasks work in (absolute locations inside them are relative). */
  repoRoots?: string[];
  /** The declared targets, to check each task's `target` against (see ParseOptions). */
  targets?: ParseOptions['targets'];
}

const RULES = [
  checkDependencies,
  checkCycles,
  checkOverlaps,
  checkWaveWidth,
  checkOneFilePerTask,
  checkRedundantEdges,
  checkDeclaredWaves,
];

export function compilePlan(
  text: string,
  file: string,
  options: CompileOptions = {},
): CompiledPlan {
  const { plan, diagnostics } = parsePlan(text, file, {
    ...(options.repoRoots !== undefined ? { repoRoots: options.repoRoots } : {}),
    ...(options.targets !== undefined ? { targets: options.targets } : {}),
  });
  const graph = buildGraph(plan.tasks);
  const { order, acyclic } = topologicalOrder(graph);
  const waves = acyclic ? computeWaves(graph, order) : [];
  const context: CheckContext = {
    plan,
    graph,
    tasks: uniqueTasks(plan.tasks, graph),
    order,
    acyclic,
    waves,
    push: (diagnostic) => diagnostics.push({ related: [], ...diagnostic, file }),
  };
  if (options.concurrency !== undefined) context.concurrency = options.concurrency;
  for (const rule of RULES) rule(context);
  diagnostics.sort(byPosition);
  return {
    plan,
    diagnostics,
    ok: !diagnostics.some((diagnostic) => diagnostic.severity === 'error'),
    graph: {
      waves,
      criticalPath: acyclic ? criticalPath(graph, order) : [],
      edges: edgesOf(graph),
    },
  };
}

function uniqueTasks(tasks: Task[], graph: TaskGraph): Task[] {
  const byId = new Map<string, Task>();
  for (const task of tasks) if (!byId.has(task.id)) byId.set(task.id, task);
  return graph.ids.map((id) => byId.get(id) as Task);
}

function edgesOf(graph: TaskGraph): { from: string; to: string }[] {
  const edges: { from: string; to: string }[] = [];
  graph.deps.forEach((deps, to) => {
    for (const from of deps)
      edges.push({ from: graph.ids[from] as string, to: graph.ids[to] as string });
  });
  return edges;
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/** Codes compare by their characters (not localeCompare: the same order everywhere, no ICU collator to load). */
function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (
    a.span.start.offset - b.span.start.offset ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}

export { buildGraph, topologicalOrder, transitiveDependents } from './dag.js';
