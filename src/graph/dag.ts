/**
 * The task graph and the algorithms over it, as free functions. Pure. Plain index lists serve the
 * hot loops (order, waves, reachability bitsets); `dagOf` gives the same graph as a graphlib
 * `Graph`, which finds the cycles' strongly connected components, walks dependents and dependencies
 * and backs the scheduler. Orders are iterative here: graphlib's topsort (and isAcyclic, tarjan,
 * preorder, postorder) recurse once per task on a chain and overflow the call stack on chains of
 * 5,000-10,000 tasks, which plans of that size have (ARCHITECTURE.md, "Graph").
 */
import { Graph, alg, type Label } from '@dagrejs/graphlib';
import { MinHeap } from './min-heap.js';

export interface TaskGraph {
  /** Task ids in plan order (the first task of a duplicated id). */
  ids: string[];
  index: Map<string, number>;
  /** deps[i]: indexes of the tasks task i depends on, as written (known tasks only, no self edges). */
  deps: number[][];
  /** dependents[i]: indexes of the tasks that depend on task i, in plan order. */
  dependents: number[][];
}

export type TaskDag = Graph<Label, number>;

export function buildGraph(
  tasks: readonly { id: string; dependsOn: readonly { id: string }[] | null }[],
): TaskGraph {
  const ids: string[] = [];
  const index = new Map<string, number>();
  for (const task of tasks) {
    if (index.has(task.id)) continue;
    index.set(task.id, ids.length);
    ids.push(task.id);
  }
  const deps: number[][] = ids.map(() => []);
  const dependents: number[][] = ids.map(() => []);
  const seen = new Set<number>();
  for (const task of tasks) {
    const to = index.get(task.id);
    if (to === undefined || seen.has(to)) continue;
    seen.add(to);
    for (const dep of task.dependsOn ?? []) {
      const from = index.get(dep.id);
      if (from === undefined || from === to || deps[to]?.includes(from)) continue;
      deps[to]?.push(from);
      dependents[from]?.push(to);
    }
  }
  return { ids, index, deps, dependents };
}

const dags = new WeakMap<TaskGraph, TaskDag>();

/**
 * The graph as a graphlib `Graph` (node = task id, labelled with its index; edge = dependency →
 * dependent), made on first use: graphlib adds an edge in ~7 µs (string keys), which would double
 * the graph analysis of a 10,000-task plan that has no cycle and needs none of it. A node's
 * predecessors come in the order its dependencies are written, its successors in plan order.
 */
export function dagOf(graph: TaskGraph): TaskDag {
  let dag = dags.get(graph);
  if (dag !== undefined) return dag;
  dag = new Graph<Label, number>();
  graph.ids.forEach((id, node) => dag?.setNode(id, node));
  graph.deps.forEach((deps, to) => {
    for (const from of deps) dag?.setEdge(graph.ids[from] as string, graph.ids[to] as string);
  });
  dags.set(graph, dag);
  return dag;
}

/**
 * Plan order, but every task after its dependencies: Kahn's algorithm taking the earliest ready
 * task in the plan first. `order` holds every node not on or behind a cycle.
 */
export function topologicalOrder(graph: TaskGraph): { order: number[]; acyclic: boolean } {
  const indegree = graph.deps.map((list) => list.length);
  const ready = new MinHeap();
  indegree.forEach((degree, node) => {
    if (degree === 0) ready.push(node);
  });
  const order: number[] = [];
  while (ready.size > 0) {
    const node = ready.pop();
    order.push(node);
    for (const next of graph.dependents[node] ?? []) {
      indegree[next] = (indegree[next] ?? 0) - 1;
      if (indegree[next] === 0) ready.push(next);
    }
  }
  return { order, acyclic: order.length === graph.ids.length };
}

/** Wave numbers (1-based): 1 + the highest wave among a task's dependencies; each wave in plan order. */
export function computeWaves(graph: TaskGraph, order: number[]): string[][] {
  const level = new Array<number>(graph.ids.length).fill(0);
  const waves: number[][] = [];
  for (const node of order) {
    let wave = 0;
    for (const dep of graph.deps[node] ?? []) wave = Math.max(wave, (level[dep] ?? 0) + 1);
    level[node] = wave;
    (waves[wave] ??= []).push(node);
  }
  return waves.map((wave) => wave.sort((a, b) => a - b).map((node) => graph.ids[node] as string));
}

/** The longest dependency chain (ties: the chain ending at the earliest task in the plan). */
export function criticalPath(graph: TaskGraph, order: number[]): string[] {
  const length = new Array<number>(graph.ids.length).fill(1);
  const previous = new Array<number>(graph.ids.length).fill(-1);
  for (const node of order) {
    for (const dep of graph.deps[node] ?? []) {
      if (
        (length[dep] ?? 0) + 1 > (length[node] ?? 0) ||
        ((length[dep] ?? 0) + 1 === length[node] && dep < (previous[node] ?? -1))
      ) {
        length[node] = (length[dep] ?? 0) + 1;
        previous[node] = dep;
      }
    }
  }
  let end = -1;
  for (const node of order)
    if (
      end === -1 ||
      (length[node] ?? 0) > (length[end] ?? 0) ||
      ((length[node] ?? 0) === length[end] && node < end)
    )
      end = node;
  const path: string[] = [];
  for (let node = end; node !== -1; node = previous[node] ?? -1)
    path.unshift(graph.ids[node] as string);
  return path;
}

/**
 * Elementary cycles (each once, starting at its earliest task), at most `limit`. graphlib's
 * findCycles gives the strongly connected components; it runs on the tasks topologicalOrder could
 * not place, less those that only hang below a cycle, so an acyclic plan costs nothing more and
 * its recursion stays within the cycles. The paths inside each component are walked here.
 */
export function findCycles(
  graph: TaskGraph,
  limit = 50,
  order = topologicalOrder(graph).order,
): { cycles: number[][]; capped: boolean } {
  if (order.length === graph.ids.length) return { cycles: [], capped: false };
  const core = cyclicCore(graph, order);
  // graphlib's Tarjan recurses once per task along a path: past a few thousand tasks on cycles
  // (no real plan), the core is searched as one piece (every cycle lies inside it just the same).
  const components =
    core.size > MAX_RECURSIVE_CORE
      ? [[...core]]
      : alg
          .findCycles(dagOf(graph).filterNodes((id) => core.has(graph.index.get(id) as number)))
          .map((component) => component.map((id) => graph.index.get(id) as number))
          .sort((a, b) => Math.min(...a) - Math.min(...b));
  const cycles: number[][] = [];
  for (const component of components) {
    const members = new Set(component);
    for (const start of [...component].sort((a, b) => a - b)) {
      // Cycles through `start` using only members after it: each cycle found once.
      const path: number[] = [start];
      const onPath = new Set<number>([start]);
      const stack: { node: number; next: number }[] = [{ node: start, next: 0 }];
      while (stack.length > 0) {
        const frame = stack[stack.length - 1] as { node: number; next: number };
        const outs = graph.dependents[frame.node] ?? [];
        if (frame.next >= outs.length) {
          stack.pop();
          onPath.delete(path.pop() as number);
          continue;
        }
        const next = outs[frame.next] as number;
        frame.next += 1;
        if (!members.has(next) || next < start) continue;
        if (next === start) {
          if (cycles.length >= limit) return { cycles, capped: true };
          cycles.push([...path]);
        } else if (!onPath.has(next)) {
          path.push(next);
          onPath.add(next);
          stack.push({ node: next, next: 0 });
        }
      }
    }
  }
  return { cycles, capped: false };
}

const MAX_RECURSIVE_CORE = 2000;

/** The tasks left out of a topological order, less those from which no cycle can be reached. */
function cyclicCore(graph: TaskGraph, order: number[]): Set<number> {
  const placed = new Set(order);
  const rest = graph.ids.map((_, node) => node).filter((node) => !placed.has(node));
  const core = new Set(rest);
  // Peel sinks: a task whose dependents (within the rest) are all peeled is on no cycle.
  const outdegree = new Map(
    rest.map((node) => [node, (graph.dependents[node] ?? []).filter((n) => core.has(n)).length]),
  );
  const queue = rest.filter((node) => outdegree.get(node) === 0);
  while (queue.length > 0) {
    const node = queue.pop() as number;
    core.delete(node);
    for (const dep of graph.deps[node] ?? []) {
      if (!core.has(dep)) continue;
      const left = (outdegree.get(dep) ?? 0) - 1;
      outdegree.set(dep, left);
      if (left === 0) queue.push(dep);
    }
  }
  return core;
}

/**
 * Reachability as bitsets in topological order: reach[i] has bit j when task j is a (transitive)
 * dependency of task i. 10,000 tasks take 12.5 MB.
 */
export function dependencyClosure(graph: TaskGraph, order: number[]): Uint32Array[] {
  const words = Math.ceil(graph.ids.length / 32);
  const reach: Uint32Array[] = graph.ids.map(() => new Uint32Array(words));
  for (const node of order) {
    const mine = reach[node] as Uint32Array;
    for (const dep of graph.deps[node] ?? []) {
      const theirs = reach[dep] as Uint32Array;
      for (let w = 0; w < words; w += 1) mine[w] = (mine[w] as number) | (theirs[w] as number);
      mine[dep >> 5] = (mine[dep >> 5] as number) | (1 << (dep & 31));
    }
  }
  return reach;
}

export function reaches(closure: Uint32Array[], from: number, dep: number): boolean {
  return (((closure[from]?.[dep >> 5] ?? 0) >>> (dep & 31)) & 1) === 1;
}

/** Every task that (transitively) depends on `id`, in plan order. */
export function transitiveDependents(graph: TaskGraph, id: string): string[] {
  const dag = dagOf(graph);
  return walk(dag, id, (node) => dag.successors(node)).sort(
    (a, b) => (graph.index.get(a) ?? 0) - (graph.index.get(b) ?? 0),
  );
}

/** Every task `id` (transitively) depends on, in plan order. */
export function transitiveDependencies(graph: TaskGraph, id: string): string[] {
  const dag = dagOf(graph);
  return walk(dag, id, (node) => dag.predecessors(node)).sort(
    (a, b) => (graph.index.get(a) ?? 0) - (graph.index.get(b) ?? 0),
  );
}

/** The nodes reachable from `start` through `next` (not `start` itself, unless on a cycle). */
function walk(dag: TaskDag, start: string, next: (node: string) => string[] | undefined): string[] {
  if (!dag.hasNode(start)) return [];
  const seen = new Set<string>();
  const queue = [...(next(start) ?? [])];
  while (queue.length > 0) {
    const node = queue.pop() as string;
    if (seen.has(node)) continue;
    seen.add(node);
    queue.push(...(next(node) ?? []));
  }
  return [...seen];
}
