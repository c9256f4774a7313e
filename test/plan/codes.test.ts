import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PARSE_CODES } from '../../src/plan/codes.js';
import { parsePlan } from '../../src/plan/parse.js';

describe('parser diagnostic codes', () => {
  it('README lists exactly the rows of the code table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| (CCG[13]\d\d) \| (\w+) \| (.*) \|$/gm)].map(
      ([, code, severity, meaning]) => [code, severity, meaning],
    );
    expect(rows).toEqual(
      Object.entries(PARSE_CODES).map(([code, row]) => [code, row.severity, row.meaning]),
    );
  });

  it('emits each code with the severity of the table', () => {
    const plan = [
      '### T1: A',
      '- **depends_on**: [T1 x, ?]',
      '- **status**: Frobbed',
      '- **location**: /etc/passwd, ../up.ts',
      '- **colour**: blue',
      '- **description**: d',
      '- **description**: again',
      '',
      '### T1: B',
      '- **status**: Done',
      '',
      '### T9: Only prose',
      'Nothing here.',
      '',
    ].join('\n');
    const seen = parsePlan(plan, 'p.md').diagnostics.map((d) => [d.code, d.severity]);
    for (const [code, severity] of seen) {
      expect(PARSE_CODES[code as keyof typeof PARSE_CODES]?.severity, code).toBe(severity);
    }
    expect(new Set(seen.map(([code]) => code)).size).toBeGreaterThanOrEqual(9);
  });
});
