import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/graph/compile.js';
import { applyFixes } from '../../src/plan/patch.js';
import { SourceMap } from '../../src/plan/source.js';
import type { Diagnostic } from '../../src/plan/types.js';
import { propertyRuns } from '../support/property.js';

/** A hand-made diagnostic whose fix replaces `from` in `text` (its n-th occurrence) with `to`. */
function fixing(text: string, from: string, to: string, nth = 0, code = 'CCG304'): Diagnostic {
  let at = -1;
  for (let i = 0; i <= nth; i += 1) at = text.indexOf(from, at + 1);
  if (at < 0) throw new Error(`${from} not in text`);
  const span = new SourceMap(text).span(at, at + from.length);
  return {
    code,
    severity: 'warning',
    message: 'm',
    file: 'p.md',
    span,
    related: [],
    fixes: [{ span, text: to }],
  };
}

const text = '- **status**: Done\r\n- depends_on: [T1]\r\n- **location**: /repo/src/a.ts\r\n';

describe('applyFixes', () => {
  it('applies every fix at once, other bytes (CRLF included) unchanged', () => {
    const result = applyFixes(text, [
      fixing(text, '/repo/src/a.ts', 'src/a.ts', 0, 'CCG306'),
      fixing(text, 'Done', 'Completed'),
      fixing(text, 'depends_on', '**depends_on**', 0, 'CCG311'),
    ]);
    expect(result.text).toBe(
      '- **status**: Completed\r\n- **depends_on**: [T1]\r\n- **location**: src/a.ts\r\n',
    );
    expect(result.applied.map((a) => [a.diagnostic.code, a.before])).toEqual([
      ['CCG304', 'Done'],
      ['CCG311', 'depends_on'],
      ['CCG306', '/repo/src/a.ts'],
    ]);
    expect(result.skipped).toEqual([]);
  });

  it('skips a fix overlapping one already taken, one that changes nothing and one out of the text', () => {
    const overlapping = fixing(text, 'status**: Done', 'status**: Skipped');
    const noop = fixing(text, '[T1]', '[T1]');
    const outside: Diagnostic = {
      ...noop,
      fixes: [{ span: { ...noop.span, end: { line: 9, column: 1, offset: 10_000 } }, text: 'x' }],
    };
    const result = applyFixes(text, [
      overlapping,
      fixing(text, 'Done', 'Completed'),
      noop,
      outside,
    ]);
    expect(result.text).toBe(text.replace('status**: Done', 'status**: Skipped'));
    expect(result.skipped).toHaveLength(3);
  });

  it('diagnostics without a fix are ignored; none at all gives the text back', () => {
    const plain: Diagnostic = { ...fixing(text, 'Done', 'x') };
    delete plain.fixes;
    expect(applyFixes(text, [plain])).toEqual({ text, applied: [], skipped: [] });
  });

  it('property: the result does not depend on the order of the diagnostics', () => {
    const words = ['Done', 'depends_on', 'location', 'src', 'a.ts', '[T1]', 'status'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...words), fc.string({ maxLength: 4 })), {
          maxLength: 6,
        }),
        fc.infiniteStream(fc.nat()),
        (picks, shuffle) => {
          const diagnostics = picks.map(([from, to]) => fixing(text, from, to));
          const shuffled = [...diagnostics].sort(() => (shuffle.next().value % 3) - 1);
          expect(applyFixes(text, shuffled).text).toBe(applyFixes(text, diagnostics).text);
        },
      ),
      { numRuns: propertyRuns(100) },
    );
  });
});

describe('the parser attaches a fix to each status variant', () => {
  const plan = [
    '### T1: A',
    '- **depends_on**: []',
    '- **location**: `a.ts`',
    '- **description**: a',
    '- **status**: `Done`',
    '',
    '### T2: B (Complete)',
    '- **depends_on**: []',
    '- **location**: `b.ts`',
    '- **description**: b',
    '',
    '### T3: C',
    '- **depends_on**: []',
    '- **location**: `c.ts`',
    '- **description**: c',
    '- **status**: Deferred (out of scope)',
    '',
  ].join('\n');

  it('the variant word becomes the canonical one, the rest of the value kept', () => {
    const compiled = compilePlan(plan, 'p.md');
    const fixes = compiled.diagnostics.flatMap((d) =>
      (d.fixes ?? []).map((f) => [d.code, f.span.start.line, f.text]),
    );
    expect(fixes).toEqual([
      ['CCG304', 5, 'Completed'],
      ['CCG304', 16, 'Skipped'],
    ]);
    const fixed = applyFixes(plan, compiled.diagnostics).text;
    expect(fixed).toContain('- **status**: `Completed`\n');
    expect(fixed).toContain('- **status**: Skipped (out of scope)\n');
    expect(fixed).toContain('### T2: B (Complete)\n');
    expect(compilePlan(fixed, 'p.md').diagnostics.filter((d) => d.fixes !== undefined)).toEqual([]);
  });
});
