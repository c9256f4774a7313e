import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import type { Span } from '../../src/plan/types.js';

const slice = (text: string, span: Span): string => text.slice(span.start.offset, span.end.offset);

const CRLF_PLAN = [
  '# Plan: X',
  '',
  '### T1: A',
  '- **depends_on**: []',
  '- **description**: d',
  '- **location**:',
  '  - src/a.ts',
  '  - src/b.ts (new)',
  '- **status**: Done',
  '- **log**:',
  '  - one',
  '  - two',
  '',
  '### T2: B',
  '* **Depends On:** `T1`',
  '* **description**:   spaced  ',
  '* **Files edited/created**: `a.ts`, `b.ts`',
  '',
].join('\r\n');

describe('parsePlan spans', () => {
  const { plan, diagnostics } = parsePlan(CRLF_PLAN, 'p.md');
  const raw = Object.fromEntries(
    plan.tasks.flatMap((task) =>
      task.fields.map((field) => [`${task.id}.${field.key}`, slice(CRLF_PLAN, field.valueSpan)]),
    ),
  );

  it('gives each value span exactly the raw value bytes, through nested lines', () => {
    expect(raw).toEqual(RAW_VALUES);
  });

  it('reads values, aliases and notes', () => {
    const [t1, t2] = plan.tasks;
    expect(t1?.location?.map((entry) => [entry.path, entry.note])).toEqual([
      ['src/a.ts', undefined],
      ['src/b.ts', 'new'],
    ]);
    expect(t1?.status).toBe('Completed');
    expect(t2?.dependsOn?.map((dep) => dep.id)).toEqual(['T1']);
    expect(diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column}`)).toEqual(
      DIAGNOSTICS,
    );
  });

  it('keeps line/column 1-based and offsets 0-based, CRLF counted', () => {
    const t2 = plan.tasks[1];
    expect(t2?.headingSpan.start).toEqual({
      line: 14,
      column: 1,
      offset: CRLF_PLAN.indexOf('### T2'),
    });
    const deps = t2?.fields.find((field) => field.key === 'depends_on');
    expect(deps?.valueSpan.start.line).toBe(15);
    expect(deps?.valueSpan.start.column).toBe(CRLF_PLAN.split('\r\n')[14]!.indexOf(' `T1`') + 1);
  });
});

// A value span starts right after the label's colon (the space is part of the value bytes) and ends
// before the line break that ends the item, so nested lists keep their own CRLFs inside it.

const RAW_VALUES = {
  'T1.depends_on': ' []',
  'T1.description': ' d',
  'T1.location': '\r\n  - src/a.ts\r\n  - src/b.ts (new)',
  'T1.status': ' Done',
  'T1.log': '\r\n  - one\r\n  - two',
  'T2.depends_on': ' `T1`',
  'T2.description': '   spaced  ',
  'T2.files_edited': ' `a.ts`, `b.ts`',
};
const DIAGNOSTICS = ['CCG304 9:15', 'CCG308 14:1'];

describe('tasks in <details> blocks', () => {
  it('warn (CCG107) for each task between <details> and its </details>, nested or never closed', () => {
    const task = (id: string) => `### ${id}: N\n- **depends_on**: []\n- **description**: d\n`;
    const text = [
      '# P',
      task('T1'),
      '<details><summary>a</summary>\n',
      task('T2'),
      '<details>\n',
      task('T3'),
      '</details>\n',
      task('T4'),
      '</details>\n',
      task('T5'),
      '<details>\n',
      task('T6'),
    ].join('\n');
    const { plan, diagnostics } = parsePlan(text, 'p.md');
    expect(plan.tasks.map((t) => t.id)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6']);
    expect(
      diagnostics
        .filter((d) => d.code === 'CCG107')
        .map((d) => [d.severity, d.message.split(' ')[1]]),
    ).toEqual([
      ['warning', 'T2'],
      ['warning', 'T3'],
      ['warning', 'T4'],
      ['warning', 'T6'],
    ]);
  });
});

describe('prose in location and description', () => {
  it('a location of commands is one entry as written, not paths named like commands; a description keeps its code', () => {
    const text = [
      '### T3: Build both ways',
      '- **depends_on**: []',
      '- **location**: cargo build invocations (`cargo build --release` and `cargo build --features webkit`)',
      '- **description**: Run the explicit `--features webkit` build, **twice**.',
      '- **validation**: `cargo test` passes',
      '',
    ].join('\n');
    const [task] = parsePlan(text, 'p.md').plan.tasks;
    expect(task?.location?.map((entry) => [entry.path, entry.note])).toEqual([
      [
        'cargo build invocations (`cargo build --release` and `cargo build --features webkit`)',
        undefined,
      ],
    ]);
    expect(task?.description).toBe('Run the explicit `--features webkit` build, **twice**.');
    expect(task?.validation).toBe('`cargo test` passes');
  });
});

describe('typos in field labels and status words', () => {
  it('a missing field whose label was misspelt, and a status word with a typo, name the fix', () => {
    const text = [
      '### T4: Typos',
      '- **depends_on**: []',
      '- **decription**: what to do',
      '- **status**: Not Strated',
      '',
    ].join('\n');
    const hints = Object.fromEntries(
      parsePlan(text, 'p.md').diagnostics.map((d) => [d.code, d.hint]),
    );
    expect(hints['CCG302']).toBe(
      'Its field `decription` is not one ccglm knows: did you mean `description`?',
    );
    expect(hints['CCG303']).toBe('Did you mean `Not Started`?');
  });
});
