import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/graph/compile.js';
import type { Task } from '../../src/plan/types.js';

// The 20 real plans beside the checkout, read in place (never copied into the project).
const corpus = fileURLToPath(new URL('../../../shared/corpus/real-plans/', import.meta.url));
const present = existsSync(corpus);
const title = present
  ? 'graph checks on the real plans (../shared/corpus/real-plans)'
  : 'graph checks on the real plans: SKIPPED, ../shared/corpus/real-plans is absent (it sits beside the checkout)';

describe.skipIf(!present)(title, () => {
  const plans = present
    ? readdirSync(corpus)
        .filter((file) => file.endsWith('-plan.md'))
        .sort()
        .map((file) => ({ file, compiled: compilePlan(readFileSync(corpus + file, 'utf8'), file) }))
    : [];
  const all = plans.flatMap(({ compiled }) => compiled.diagnostics);
  const count = (code: string, severity?: string) =>
    all.filter((d) => d.code === code && (severity === undefined || d.severity === severity))
      .length;

  it('an overlap only between tasks still to run, once per pair, on path-like entries', () => {
    for (const { compiled } of plans) {
      const byId = new Map(compiled.plan.tasks.map((task) => [task.id, task] as const));
      const pairs = new Set<string>();
      for (const d of compiled.diagnostics.filter((x) => x.code === 'CCG401')) {
        const [, a, b, files] = /^Tasks (\S+) and (\S+) can run .* may both change (.*): /.exec(
          d.message,
        ) as RegExpExecArray;
        for (const id of [a, b]) {
          const status = (byId.get(id as string) as Task).status;
          expect(['Completed', 'Skipped']).not.toContain(status);
        }
        expect(pairs.has(`${a} ${b}`), `${a} and ${b} reported once`).toBe(false);
        pairs.add(`${a} ${b}`);
        for (const file of (files as string).split(', '))
          expect(file).toMatch(/^`\S+`( \(in \S+'s `\S+`\))*$/);
      }
    }
    // Before: 197 warnings (per file and pair, Completed pairs, read-only files, prose).
    expect(count('CCG401')).toBeLessThanOrEqual(5);
  });

  it('redundant dependencies are infos; a wave table disagreement is one warning per table', () => {
    expect(count('CCG404')).toBeGreaterThan(50);
    expect(count('CCG404', 'warning')).toBe(0);
    for (const { compiled } of plans)
      expect(compiled.diagnostics.filter((d) => d.code === 'CCG405').length).toBeLessThanOrEqual(1);
  });

  it('the graph and lint checks warn 20 times at most over the 20 plans (440 errors and warnings in all before)', () => {
    const graphWarnings = all.filter((d) => /^CCG[24]/.test(d.code) && d.severity !== 'info');
    expect(graphWarnings.length).toBeLessThanOrEqual(20);
  });
});
