import { describe, expect, it } from 'vitest';
import { renderDiagnostics } from '../../src/plan/render.js';
import type { Diagnostic } from '../../src/plan/types.js';

const text = '# Plan: X\n\n### T1: One\n- **depends_on**: [T9]\n';
const diagnostic: Diagnostic = {
  code: 'CCG201',
  severity: 'error',
  message: 'Task T1 depends on unknown task `T9`, expected the id of a task in this plan',
  file: 'a,b:plan.md',
  span: { start: { line: 4, column: 20, offset: 42 }, end: { line: 4, column: 22, offset: 44 } },
  related: [
    {
      message: 'T1 is here',
      span: { start: { line: 3, column: 1, offset: 11 }, end: { line: 3, column: 12, offset: 22 } },
    },
  ],
  hint: 'Did you mean `T1`?\n50% sure',
};
const sources = new Map([['a,b:plan.md', text]]);

describe('renderDiagnostics', () => {
  it('text: location, code frame with a caret under the span, related place, hint, summary', () => {
    expect(renderDiagnostics([diagnostic], { format: 'text', sources })).toBe(
      [
        'a,b:plan.md:4:20: error CCG201 Task T1 depends on unknown task `T9`, expected the id of a task in this plan',
        '  4 | - **depends_on**: [T9]',
        '    |                    ^^',
        '  a,b:plan.md:3:1: note: T1 is here',
        '  hint: Did you mean `T1`?\n50% sure',
        '',
        '1 error, 0 warnings, 0 infos in 1 file',
        '',
      ].join('\n'),
    );
  });

  it('github: workflow command with escaped properties and data', () => {
    expect(renderDiagnostics([diagnostic], { format: 'github', sources })).toBe(
      '::error file=a%2Cb%3Aplan.md,line=4,col=20,endLine=4,endColumn=22,title=CCG201::Task T1 depends on unknown task `T9`, expected the id of a task in this plan%0ADid you mean `T1`?%0A50%25 sure\n',
    );
  });

  it('sarif: a valid 2.1.0 log with rules, levels, regions and related locations', () => {
    const log = JSON.parse(
      renderDiagnostics(
        [diagnostic, { ...diagnostic, severity: 'info', code: 'CCG309', related: [] }],
        { format: 'sarif', sources, files: ['a,b:plan.md'] },
      ),
    );
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toContain('sarif-2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('ccglm');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['CCG201', 'CCG309']);
    expect(run.results[0]).toMatchObject({
      ruleId: 'CCG201',
      ruleIndex: 0,
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'a,b:plan.md' },
            region: { startLine: 4, startColumn: 20, endLine: 4, endColumn: 22 },
          },
        },
      ],
      relatedLocations: [{ id: 0, message: { text: 'T1 is here' } }],
    });
    expect(run.results[1].level).toBe('note');
    expect(run.results[1].relatedLocations).toBeUndefined();
  });

  it('json: the diagnostics and a summary', () => {
    const out = JSON.parse(
      renderDiagnostics([diagnostic], { format: 'json', sources, files: ['a,b:plan.md'] }),
    );
    expect(out.summary).toEqual({ errors: 1, warnings: 0, infos: 0, files: 1 });
    expect(out.diagnostics[0].code).toBe('CCG201');
  });
});
