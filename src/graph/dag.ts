/**
 * The task graph as plain data and the algorithms over it, as free functions. Pure.
 * Edges go from a dependency to its dependent.
 */

export interface TaskGraph {
  ids: string[];
  index: Map<string, number>;
  /** deps[i]: indexes of the tasks task i depends on (known tasks only, no self edges). */
  deps: number[][];
  /** dependents[i]: indexes of the tasks that depend on task i. */
  dependents: number[][];
}

export function buildGraph(tasks: { id: string; dependsOn: { id: string }[] | null }[]): TaskGraph {
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

/** Kahn's algorithm; `order` holds every node not on or behind a cycle. */
export function topologicalOrder(graph: TaskGraph): { order: number[]; acyclic: boolean } {
  const indegree = graph.deps.map((list) => list.length);
  const queue: number[] = [];
  indegree.forEach((degree, node) => {
    if (degree === 0) queue.push(node);
  });
  const order: number[] = [];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head] as number;
    order.push(node);
    for (const next of graph.dependents[node] ?? []) {
      indegree[next] = (indegree[next] ?? 0) - 1;
      if (indegree[next] === 0) queue.push(next);
    }
  }
  return { order, acyclic: order.length === graph.ids.length };
}

/** Wave numbers (1-based): 1 + the highest wave among a task's dependencies. */
export function computeWaves(graph: TaskGraph, order: number[]): string[][] {
  const level = new Array<number>(graph.ids.length).fill(0);
  const waves: string[][] = [];
  for (const node of order) {
    let wave = 0;
    for (const dep of graph.deps[node] ?? []) wave = Math.max(wave, (level[dep] ?? 0) + 1);
    level[node] = wave;
    (waves[wave] ??= []).push(graph.ids[node] as string);
  }
  return waves;
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
  for (const node of order) if (end === -1 || (length[node] ?? 0) > (length[end] ?? 0)) end = node;
  const path: string[] = [];
  for (let node = end; node !== -1; node = previous[node] ?? -1)
    path.unshift(graph.ids[node] as string);
  return path;
}

/**
 * Elementary cycles (each once, starting at its smallest index), at most `limit`. Searches only
 * inside strongly connected components, so an acyclic plan costs one linear pass.
 */
export function findCycles(graph: TaskGraph, limit = 50): { cycles: number[][]; capped: boolean } {
  const components = stronglyConnected(graph).filter((component) => component.length > 1);
  const cycles: number[][] = [];
  let capped = false;
  for (const component of components) {
    const members = new Set(component);
    const sorted = [...component].sort((a, b) => a - b);
    for (const start of sorted) {
      // Cycles through `start` using only members >= start: each cycle found once.
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
          if (cycles.length >= limit) {
            capped = true;
            return { cycles, capped };
          }
          cycles.push([...path]);
        } else if (!onPath.has(next)) {
          path.push(next);
          onPath.add(next);
          stack.push({ node: next, next: 0 });
        }
      }
    }
  }
  return { cycles, capped };
}

/** Tarjan's algorithm, iterative (plans can be deep). */
export function stronglyConnected(graph: TaskGraph): number[][] {
  const count = graph.ids.length;
  const index = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < count; root += 1) {
    if (index[root] !== -1) continue;
    const work: { node: number; next: number }[] = [{ node: root, next: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; next: number };
      const outs = graph.dependents[frame.node] ?? [];
      if (frame.next < outs.length) {
        const next = outs[frame.next] as number;
        frame.next += 1;
        if (index[next] === -1) {
          index[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = true;
          work.push({ node: next, next: 0 });
        } else if (onStack[next])
          low[frame.node] = Math.min(low[frame.node] ?? 0, index[next] ?? 0);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low[parent.node] = Math.min(low[parent.node] ?? 0, low[frame.node] ?? 0);
      if (low[frame.node] === index[frame.node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop() as number;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
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

/** Every task that (transitively) depends on `id`. */
export function transitiveDependents(graph: TaskGraph, id: string): string[] {
  const start = graph.index.get(id);
  if (start === undefined) return [];
  const seen = new Set<number>();
  const queue = [...(graph.dependents[start] ?? [])];
  while (queue.length > 0) {
    const node = queue.pop() as number;
    if (seen.has(node)) continue;
    seen.add(node);
    queue.push(...(graph.dependents[node] ?? []));
  }
  return [...seen].sort((a, b) => a - b).map((node) => graph.ids[node] as string);
}
