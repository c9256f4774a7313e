/**
 * Golden fixtures: every fixtures/plans/<case>.md beside <case>.expected.txt (what was understood,
 * and the diagnostics as `ccglm validate` prints them). `UPDATE=1 npx vitest run test/golden.test.ts`
 * rewrites the expected files; reviewing their diff is reviewing the behaviour change.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../src/graph/compile.js';
import { renderDiagnostics } from '../src/plan/render.js';
import type { Span } from '../src/plan/types.js';

const dir = new URL('../fixtures/plans/', import.meta.url);
const cases = readdirSync(dir).filter((file) => file.endsWith('.md'));
/** Every fixture is read as if ccglm.config.json declared these targets. */
const options = {
  concurrency: 3,
  targets: {
    names: new Map([
      ['macmini', { enabled: true }],
      ['epyc6', { enabled: false }],
    ]),
    file: 'ccglm.config.json',
  },
};

function describeCase(file: string): string {
  const text = readFileSync(new URL(file, dir), 'utf8');
  const compiled = compilePlan(text, file, options);
  const lines = [
    `title: ${compiled.plan.title ?? '(none)'}`,
    `eol: ${JSON.stringify(compiled.plan.eol)}`,
    'tasks:',
  ];
  for (const task of compiled.plan.tasks) {
    const deps =
      task.dependsOn === null
        ? '(missing)'
        : task.dependsOn.map((d) => (d.note ? `${d.id} (${d.note})` : d.id)).join(', ') || '[]';
    const loc =
      task.location === null
        ? '(missing)'
        : task.location.map((l) => (l.note ? `${l.path} (${l.note})` : l.path)).join(', ');
    lines.push(`  ${task.id} "${task.name}" h${task.depth} line ${task.headingSpan.start.line}`);
    lines.push(
      `    status: ${task.status}${task.statusText !== undefined ? ` <- ${JSON.stringify(task.statusText)}` : ''}${task.statusNote !== undefined ? ` note ${JSON.stringify(task.statusNote)}` : ''}`,
    );
    lines.push(`    depends_on: ${deps}`, `    location: ${loc}`);
    if (task.repo !== undefined) lines.push(`    repo: ${task.repo}`);
    if (task.target !== undefined) lines.push(`    target: ${task.target}`);
    if (task.log !== undefined) lines.push(`    log: ${JSON.stringify(task.log)}`);
    if (task.filesEdited.length > 0) lines.push(`    files edited: ${task.filesEdited.join(', ')}`);
    lines.push(`    fields: ${task.fields.map((f) => f.key).join(', ')}`);
  }
  lines.push(`waves: ${compiled.graph.waves.map((w) => w.join(' ')).join(' | ') || '(none)'}`);
  lines.push(`critical path: ${compiled.graph.criticalPath.join(' → ') || '(none)'}`);
  lines.push(
    '',
    'diagnostics:',
    renderDiagnostics(compiled.diagnostics, {
      format: 'text',
      sources: new Map([[file, text]]),
      files: [file],
    }),
  );
  return lines.join('\n');
}

/** The same facts as JSON, as a program reading `ccglm compile` / `validate --format json` sees them. */
function describeCaseJson(file: string): string {
  const text = readFileSync(new URL(file, dir), 'utf8');
  const compiled = compilePlan(text, file, options);
  const at = (span: Span) => `${span.start.line}:${span.start.column}`;
  const facts = {
    tasks: compiled.plan.tasks.map((task) => ({
      id: task.id,
      name: task.name,
      status: task.status,
      dependsOn: task.dependsOn?.map((d) => d.id) ?? null,
      location: task.location?.map((l) => l.path) ?? null,
    })),
    waves: compiled.graph.waves,
    diagnostics: compiled.diagnostics.map((d) => ({
      at: at(d.span),
      code: d.code,
      severity: d.severity,
      message: d.message,
      ...(d.fixes === undefined ? {} : { fixes: d.fixes.map((f) => `${at(f.span)} ${f.text}`) }),
    })),
  };
  return `${JSON.stringify(facts, null, 2)}\n`;
}

function expectGolden(expectedFile: URL, actual: string): void {
  if (process.env['UPDATE'] === '1' || !existsSync(expectedFile))
    writeFileSync(expectedFile, actual);
  expect(actual).toBe(readFileSync(expectedFile, 'utf8'));
}

describe('golden plans (fixtures/plans)', () => {
  for (const file of cases) {
    it(file, () => {
      expectGolden(new URL(file.replace(/\.md$/, '.expected.txt'), dir), describeCase(file));
      expectGolden(new URL(file.replace(/\.md$/, '.expected.json'), dir), describeCaseJson(file));
    });
  }

  it('covers every diagnostic code the compiler documents', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| (CCG\d{3}) \|/gm)].map((m) => m[1]);
    const seen = new Set(
      cases.flatMap((file) =>
        [
          ...readFileSync(new URL(file.replace(/\.md$/, '.expected.txt'), dir), 'utf8').matchAll(
            / (CCG\d{3}) /g,
          ),
        ].map((m) => m[1]),
      ),
    );
    expect(documented.length).toBeGreaterThan(15);
    expect(documented.filter((code) => !seen.has(code))).toEqual([]);
  });
});
