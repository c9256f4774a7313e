import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  computeWaves,
  dagOf,
  criticalPath,
  findCycles,
  topologicalOrder,
  transitiveDependencies,
  transitiveDependents,
} from '../../src/graph/dag.js';
import { propertyRuns } from '../support/property.js';

const graphOf = (edges: Record<string, string[]>) =>
  buildGraph(
    Object.entries(edges).map(([id, deps]) => ({ id, dependsOn: deps.map((d) => ({ id: d })) })),
  );

describe('graph algorithms', () => {
  it('waves, critical path and dependents of a diamond', () => {
    const g = graphOf({ T1: [], T2: ['T1'], T3: ['T1'], T4: ['T2', 'T3'], T5: [] });
    const { order, acyclic } = topologicalOrder(g);
    expect(acyclic).toBe(true);
    expect(computeWaves(g, order)).toEqual([['T1', 'T5'], ['T2', 'T3'], ['T4']]);
    expect(criticalPath(g, order)).toEqual(['T1', 'T2', 'T4']);
    expect(transitiveDependents(g, 'T1')).toEqual(['T2', 'T3', 'T4']);
  });

  it('finds every elementary cycle with its path', () => {
    const g = graphOf({ T1: ['T3'], T2: ['T1'], T3: ['T2', 'T4'], T4: ['T3'] });
    const { cycles } = findCycles(g);
    const named = cycles.map((c) => c.map((n) => g.ids[n]).join('>')).sort();
    expect(named).toEqual(['T1>T2>T3', 'T3>T4']);
    expect(topologicalOrder(g).acyclic).toBe(false);
  });

  it('property: on random DAGs every edge rises a wave and the critical path spans all waves', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: 1, maxLength: 40 }),
        (lists) => {
          const edges: Record<string, string[]> = {};
          lists.forEach(
            (deps, i) => (edges[`T${i}`] = deps.filter((d) => d < i).map((d) => `T${d}`)),
          );
          const g = graphOf(edges);
          const { order, acyclic } = topologicalOrder(g);
          expect(acyclic).toBe(true);
          const waves = computeWaves(g, order);
          const waveOf = new Map(waves.flatMap((w, i) => w.map((id) => [id, i] as const)));
          for (const [id, deps] of Object.entries(edges))
            for (const d of deps) expect(waveOf.get(id)!).toBeGreaterThan(waveOf.get(d)!);
          const path = criticalPath(g, order);
          expect(path.length).toBe(waves.length);
          for (let i = 1; i < path.length; i += 1) expect(edges[path[i]!]).toContain(path[i - 1]);
          expect(findCycles(g).cycles).toEqual([]);
        },
      ),
      { numRuns: propertyRuns(200) },
    );
  });

  it('property: every reported cycle is a real cycle, and every cyclic component gets one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat({ max: 9 }), { maxLength: 3 }), { minLength: 2, maxLength: 10 }),
        (lists) => {
          const edges: Record<string, string[]> = {};
          lists.forEach(
            (deps, i) =>
              (edges[`T${i}`] = deps
                .filter((d) => d < lists.length && d !== i)
                .map((d) => `T${d}`)),
          );
          const g = graphOf(edges);
          const { cycles, capped } = findCycles(g, 1000);
          expect(capped).toBe(false);
          for (const cycle of cycles) {
            for (let i = 0; i < cycle.length; i += 1) {
              const from = cycle[i]!;
              const to = cycle[(i + 1) % cycle.length]!;
              expect(g.deps[to]).toContain(from); // to depends on from
            }
          }
          expect(cycles.length > 0).toBe(!topologicalOrder(g).acyclic);
        },
      ),
      { numRuns: propertyRuns(200) },
    );
  });
});

describe('locationMatcher', () => {
  it('matches files, folders and globs the way plans write them', async () => {
    const { locationMatcher } = await import('../../src/graph/path-match.js');
    expect(locationMatcher('src/a.ts')('src/a.ts')).toBe(true);
    expect(locationMatcher('src/a.ts')('src/a.tsx')).toBe(false);
    expect(locationMatcher('src/api/')('src/api/routes.ts')).toBe(true);
    expect(locationMatcher('src/api')('src/apiary.ts')).toBe(false);
    expect(locationMatcher('src/**')('src/x/y.ts')).toBe(true);
    expect(locationMatcher('src/*.ts')('src/x/y.ts')).toBe(false);
    expect(locationMatcher('./docs/*.md')('docs/a.md')).toBe(true);
  });
});

describe('graph algorithms on deep plans (graphlib recurses per task; ours must not)', () => {
  const chain = (count: number, closing?: number) =>
    buildGraph(
      Array.from({ length: count }, (_, i) => ({
        id: `T${i + 1}`,
        dependsOn:
          i === 0 ? (closing !== undefined ? [{ id: `T${closing}` }] : []) : [{ id: `T${i}` }],
      })),
    );

  it('orders a 20,000-task chain and finds its critical path', () => {
    const g = chain(20_000);
    const { order, acyclic } = topologicalOrder(g);
    expect(acyclic).toBe(true);
    expect(criticalPath(g, order)).toHaveLength(20_000);
    expect(transitiveDependents(g, 'T19999')).toEqual(['T20000']);
    expect(transitiveDependencies(g, 'T3')).toEqual(['T1', 'T2']);
  });

  it('names a cycle of 3,000 tasks and one at the head of a 10,000-task chain', () => {
    const ring = findCycles(chain(3_000, 3_000));
    expect(ring.cycles.map((c) => c.length)).toEqual([3_000]);
    const head = chain(10_000, 3);
    expect(findCycles(head).cycles.map((c) => c.map((n) => head.ids[n]))).toEqual([
      ['T1', 'T2', 'T3'],
    ]);
  });

  it('dagOf: the same graph as a graphlib Graph, dependencies in written order', () => {
    const g = graphOf({ T1: [], T2: [], T3: ['T2', 'T1'], T4: ['T1'] });
    const dag = dagOf(g);
    expect(dag.predecessors('T3')).toEqual(['T2', 'T1']);
    expect(dag.successors('T1')).toEqual(['T3', 'T4']);
    expect(dagOf(g)).toBe(dag);
  });
});

describe('looksLikePath', () => {
  it('paths, folders, globs and known file names; not prose, identifiers or URLs', async () => {
    const { looksLikePath } = await import('../../src/graph/path-match.js');
    for (const path of [
      'src/a.ts',
      'tests/',
      'pipenv/routines/*.py',
      'schema.py',
      'serviceClient.test.ts',
      'Makefile',
      'Dockerfile',
      'Pipfile',
      '.env',
      'pipenv/utils/requirementslib.py:23',
      'C:\\repo\\a.ts',
    ])
      expect(looksLikePath(path), path).toBe(true);
    for (const prose of [
      'decision',
      'tests',
      'the parser module',
      'every internal caller',
      'ResolverOptions.backend',
      '_wall_clock_deadline',
      '--resolver NAME',
      'T_F.3',
      'https://example.com/a.ts',
      '',
    ])
      expect(looksLikePath(prose), prose).toBe(false);
  });
});
