import path from 'node:path';
import { compilePlan, type CompileOptions } from '../graph/compile.js';
import { renderDiagnostics, type DiagnosticFormat } from '../plan/render.js';
import type { Diagnostic } from '../plan/types.js';
import { failed, resolveReportOptions, selectDiagnostics } from './diagnostic-filter.js';
import { expandPlanArgs, parseFormat } from './plan-input.js';
import { readPlanFile } from '../read-plan-file.js';
import { repoRootsOf } from '../paths.js';

export interface ValidateOptions {
  plans: string[];
  format: string;
  strict?: boolean;
  quiet?: boolean;
  ignore?: string[];
  fix?: boolean;
  concurrency?: number;
  config?: string;
}

/** Checks every plan (fixing first with --fix), prints the diagnostics in one report, returns the exit code. */
export async function runValidate(options: ValidateOptions): Promise<number> {
  const format = parseFormat<DiagnosticFormat>(options.format, ['text', 'json', 'github', 'sarif']);
  const files = await expandPlanArgs(options.plans);
  // The config of the first plan's folder (or --config) applies to the whole report.
  const report = await resolveReportOptions(options, {
    ...(options.config !== undefined ? { config: options.config } : {}),
    start: path.dirname(path.resolve(files[0] ?? '.')),
  });
  const compileOptions =
    options.concurrency !== undefined ? { concurrency: options.concurrency } : {};
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  let unreadable = 0;
  for (const file of files) {
    const read = await readPlanFile(file);
    if (!read.ok) {
      process.stderr.write(`ccglm: ${read.message}\n`);
      unreadable += 1;
      continue;
    }
    let text = read.text;
    const fileOptions = { ...compileOptions, ...repoRootsOf(file) };
    let compiled = await compileWithTargets(text, file, fileOptions, options.config);
    if (options.fix === true) {
      // --quiet quiets the report only: the fixes of what it does not print are made too (an
      // --ignore'd code's are not).
      const fixable = selectDiagnostics(compiled.diagnostics, { ...report, quiet: false });
      const fixed = await fixPlan(file, text, fixable);
      // Fix lines go where they do not mix with a machine-readable report.
      (format === 'text' ? process.stdout : process.stderr).write(fixed.lines.join(''));
      if (fixed.text !== text) {
        text = fixed.text;
        compiled = await compileWithTargets(text, file, fileOptions, options.config);
      }
    }
    sources.set(file, text);
    diagnostics.push(...compiled.diagnostics);
  }
  const reported = selectDiagnostics(diagnostics, report);
  const color =
    format === 'text' && process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  // Nothing read at all: the one line per file on stderr says it all (no `0 errors … in 0 files`).
  if (sources.size > 0 || format !== 'text')
    process.stdout.write(
      renderDiagnostics(reported, { format, sources, color, files: [...sources.keys()] }),
    );
  return failed(reported, report.strict) || unreadable > 0 ? 1 : 0;
}

async function fixPlan(
  file: string,
  text: string,
  diagnostics: Diagnostic[],
): Promise<{ text: string; lines: string[] }> {
  if (!diagnostics.some((d) => d.fixes !== undefined)) return { text, lines: [] };
  const { applyFixes } = await import('../plan/patch.js');
  const { writeFixedPlan } = await import('./write-fixed-plan.js');
  const { text: next, applied } = applyFixes(text, diagnostics);
  if (applied.length === 0) return { text, lines: [] };
  const written = await writeFixedPlan(file, text, next);
  if (!written.ok) return { text, lines: [`ccglm: ${file}: not fixed: ${written.message}\n`] };
  const lines = applied.map(
    ({ diagnostic, fix, before }) =>
      `${file}:${fix.span.start.line}:${fix.span.start.column} ${diagnostic.code} ${show(before)} → ${show(fix.text)}\n`,
  );
  lines.push(`fixed ${applied.length} in ${file}\n`);
  return { text: next, lines };
}

/** A fix's text as a reader can see it: quoted when spaces at its ends matter (` - ` → `: `). */
const show = (text: string) =>
  text.length === 0
    ? '(nothing)'
    : /^\s|\s$/.test(text)
      ? `'${text.replace(/\r?\n/g, '⏎')}'`
      : text.replace(/\r?\n/g, '⏎');

/**
 * A plan compiled with its `target` fields checked against the declared targets (config from the
 * plan's folder upward); a disabled target the plan uses counts as enabled when its gate passes now
 * (asked over SSH only then).
 */
async function compileWithTargets(
  text: string,
  file: string,
  options: CompileOptions,
  configPath?: string,
): Promise<ReturnType<typeof compilePlan>> {
  const { loadTargets } = await import('../targets/load.js');
  const { file: config, targets } = await loadTargets(
    path.dirname(path.resolve(file)),
    configPath !== undefined ? path.resolve(configPath) : undefined,
  );
  const { namesOf, openGates } = await import('../targets/gates.js');
  const withNames = (names: ReadonlyMap<string, { enabled: boolean }>) =>
    compilePlan(text, file, {
      ...options,
      targets: { names, ...(config !== undefined ? { file: config } : {}) },
    });
  const compiled = withNames(namesOf(targets));
  if (!compiled.diagnostics.some((diagnostic) => diagnostic.code === 'CCG321')) return compiled;
  return withNames(await openGates(compiled.plan.tasks, targets));
}
