import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { patchPlan, PatchError } from '../../src/plan/patch.js';
import type { TaskStatus } from '../../src/plan/types.js';
import { propertyRuns } from '../support/property.js';

const STATUSES: TaskStatus[] = [
  'Not Started',
  'In Progress',
  'Completed',
  'Failed',
  'Blocked',
  'Skipped',
];

const template = [
  '# Plan: Demo',
  '',
  '## Tasks',
  '',
  '### T1: First',
  '- **depends_on**: []',
  '- **location**:',
  '  - src/a.ts',
  '- **description**: do a',
  '- **status**: Not Started',
  '- **log**: [empty - agent fills]',
  '- **files edited**: [empty - agent fills]',
  '',
  '### T2: Second',
  '* **depends_on:** [T1]',
  '* **description:** do b',
  '* **custom thing:** kept',
  '',
  'Trailing prose.',
  '',
].join('\n');

describe('patchPlan', () => {
  it('sets status, a multi-line log and files edited, and nothing else', () => {
    const out = patchPlan(template, [
      {
        taskId: 'T1',
        status: 'Completed',
        log: 'job t1\nexit 0',
        filesEdited: ['src/a.ts', 'src/b.ts'],
      },
    ]);
    expect(out).toBe(
      template
        .replace('- **status**: Not Started', '- **status**: Completed')
        .replace('- **log**: [empty - agent fills]', '- **log**:\n  - job t1\n  - exit 0')
        .replace(
          '- **files edited**: [empty - agent fills]',
          '- **files edited**:\n  - src/a.ts\n  - src/b.ts',
        ),
    );
    const task = parsePlan(out, 'p.md').plan.tasks[0];
    expect(task?.status).toBe('Completed');
    expect(task?.log).toBe('job t1\nexit 0');
    expect(task?.filesEdited).toEqual(['src/a.ts', 'src/b.ts']);
  });

  it('adds missing fields after the last field in the task’s own bullet and label style', () => {
    const out = patchPlan(template, [{ taskId: 'T2', status: 'Failed', log: 'no commits' }]);
    expect(out).toContain(
      '* **custom thing:** kept\n* **status:** Failed\n* **log:** no commits\n\nTrailing prose.',
    );
    const task = parsePlan(out, 'p.md').plan.tasks[1];
    expect(task?.status).toBe('Failed');
    expect(task?.fields.map((f) => f.key)).toEqual([
      'depends_on',
      'description',
      'custom_thing',
      'status',
      'log',
    ]);
  });

  it('keeps CRLF line endings', () => {
    const crlf = template.replace(/\n/g, '\r\n');
    const out = patchPlan(crlf, [
      { taskId: 'T1', log: 'a\nb' },
      { taskId: 'T2', status: 'Blocked' },
    ]);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(parsePlan(out, 'p.md').plan.tasks.map((t) => t.status)).toEqual([
      'Not Started',
      'Blocked',
    ]);
  });

  it('keeps a byte order mark, and a plan read with one has the same tasks and title as without', () => {
    // As the run's write-back reads it: the file's text, its BOM (U+FEFF) included.
    const bom = `\uFEFF${template}`;
    const { plan } = parsePlan(bom, 'p.md');
    expect(plan.title).toBe(parsePlan(template, 'p.md').plan.title);
    expect(plan.tasks.map((t) => t.id)).toEqual(['T1', 'T2']);
    const out = patchPlan(bom, [{ taskId: 'T1', status: 'Completed' }]);
    expect(out).toBe(`\uFEFF${patchPlan(template, [{ taskId: 'T1', status: 'Completed' }])}`);
  });

  it('refuses an unknown task with PatchError', () => {
    expect(() => patchPlan(template, [{ taskId: 'T9', status: 'Completed' }])).toThrow(PatchError);
  });

  it('property: edits re-parse to the edited values, other tasks stay byte-identical, and re-applying is a no-op', () => {
    const taskArb = fc.record({
      bullet: fc.constantFrom('-', '*', '+'),
      inside: fc.boolean(),
      hasStatus: fc.boolean(),
      hasLog: fc.boolean(),
      logLines: fc.array(fc.stringMatching(/^[a-z0-9 ]{1,12}$/), { maxLength: 3 }),
      extra: fc.boolean(),
    });
    const editArb = fc.record({
      status: fc.option(fc.constantFrom(...STATUSES), { nil: undefined }),
      log: fc.option(
        fc.array(fc.stringMatching(/^[a-z][a-z0-9 ]{0,15}$/), { minLength: 1, maxLength: 4 }),
        { nil: undefined },
      ),
      files: fc.option(
        fc.array(fc.stringMatching(/^[a-z]{1,6}\/[a-z]{1,6}\.ts$/), { maxLength: 3 }),
        { nil: undefined },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(taskArb, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.nat(),
        editArb,
        (tasks, crlf, pick, edit) => {
          const label = (name: string, inside: boolean) =>
            inside ? `**${name}:**` : `**${name}**:`;
          const lines = ['# Plan: P', ''];
          tasks.forEach((t, i) => {
            lines.push(
              `### T${i + 1}: Task ${i + 1}`,
              `${t.bullet} ${label('depends_on', t.inside)} ${i === 0 ? '[]' : `[T${i}]`}`,
            );
            lines.push(`${t.bullet} ${label('description', t.inside)} thing ${i}`);
            if (t.hasStatus) lines.push(`${t.bullet} ${label('status', t.inside)} Not Started`);
            if (t.hasLog) {
              lines.push(`${t.bullet} ${label('log', t.inside)}`);
              for (const l of t.logLines.length > 0 ? t.logLines : ['x'])
                lines.push(`  ${t.bullet} ${l}`);
            }
            if (t.extra) lines.push(`${t.bullet} ${label('notes', t.inside)} keep me`);
            lines.push('');
          });
          const text = lines.join(crlf ? '\r\n' : '\n');
          const id = `T${(pick % tasks.length) + 1}`;
          const taskEdit = {
            taskId: id,
            ...(edit.status !== undefined ? { status: edit.status } : {}),
            ...(edit.log !== undefined ? { log: edit.log.join('\n') } : {}),
            ...(edit.files !== undefined ? { filesEdited: edit.files } : {}),
          };
          const out = patchPlan(text, [taskEdit]);
          const before = parsePlan(text, 'p.md').plan;
          const after = parsePlan(out, 'p.md').plan;
          expect(after.tasks.map((t) => t.id)).toEqual(before.tasks.map((t) => t.id));
          const edited = after.tasks.find((t) => t.id === id);
          if (edit.status !== undefined) expect(edited?.status).toBe(edit.status);
          if (edit.log !== undefined)
            expect(edited?.log).toBe(
              edit.log
                .map((l) => l.trim())
                .filter(Boolean)
                .join('\n'),
            );
          if (edit.files !== undefined) expect(edited?.filesEdited).toEqual(edit.files);
          // Other tasks: byte-identical sections.
          for (const t of before.tasks) {
            if (t.id === id) continue;
            const original = text.slice(t.span.start.offset, t.span.end.offset);
            const now = after.tasks.find((a) => a.id === t.id);
            expect(now && out.slice(now.span.start.offset, now.span.end.offset)).toBe(original);
          }
          expect(patchPlan(out, [taskEdit])).toBe(out);
        },
      ),
      { numRuns: propertyRuns(100) },
    );
  });
});

describe('a task written without bold labels', () => {
  it('gets the fields ccglm adds in its own style (no bold)', () => {
    const text = '### T1: A\n- depends_on: []\n- description: d\n- status: Not Started\n';
    const out = patchPlan(text, [{ taskId: 'T1', status: 'Completed', log: 'done' }]);
    expect(out).toBe(
      '### T1: A\n- depends_on: []\n- description: d\n- status: Completed\n- log: done\n',
    );
  });
});
