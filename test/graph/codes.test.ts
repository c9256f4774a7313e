import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/graph/compile.js';
import { GRAPH_CODES, knownCodes } from '../../src/graph/codes.js';
import { PARSE_CODES } from '../../src/plan/codes.js';

describe('graph diagnostic codes', () => {
  it('README lists exactly the rows of the code table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| (CCG[24]\d\d) \| (\w+) \| (.*) \|$/gm)].map(
      ([, code, severity, meaning]) => [code, severity, meaning],
    );
    expect(rows).toEqual(
      Object.entries(GRAPH_CODES).map(([code, row]) => [code, row.severity, row.meaning]),
    );
  });

  it('the checks emit each code with the severity of the table', () => {
    const dir = new URL('../../fixtures/plans/', import.meta.url);
    const seen = new Map<string, string>();
    for (const file of ['graph-errors.md', 'lint.md', 'overlaps.md', 'one-file-per-task.md']) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const d of compilePlan(text, file, { concurrency: 3 }).diagnostics)
        if (/^CCG[24]/.test(d.code)) seen.set(d.code, d.severity);
    }
    for (const [code, severity] of seen)
      expect(GRAPH_CODES[code as keyof typeof GRAPH_CODES]?.severity, code).toBe(severity);
    expect([...seen.keys()].sort()).toEqual(Object.keys(GRAPH_CODES));
  });

  it("knownCodes: the parser's and the graph's, sorted", () => {
    expect(knownCodes()).toEqual([...Object.keys(PARSE_CODES), ...Object.keys(GRAPH_CODES)].sort());
  });
});
