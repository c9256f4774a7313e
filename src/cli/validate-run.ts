import { compilePlan } from '../graph/compile.js';
import { renderDiagnostics, type DiagnosticFormat } from '../plan/render.js';
import type { Diagnostic } from '../plan/types.js';
import { expandPlanArgs, parseFormat } from './plan-input.js';
import { readPlanFile } from '../read-plan-file.js';

export interface ValidateOptions {
  plans: string[];
  format: string;
  strict: boolean;
  concurrency?: number;
}

/** Checks every plan, prints the diagnostics in one report, returns the exit code. */
export async function runValidate(options: ValidateOptions): Promise<number> {
  const format = parseFormat<DiagnosticFormat>(options.format, ['text', 'json', 'github', 'sarif']);
  const files = await expandPlanArgs(options.plans);
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
    sources.set(file, read.text);
    const compiled = compilePlan(
      read.text,
      file,
      options.concurrency !== undefined ? { concurrency: options.concurrency } : {},
    );
    diagnostics.push(...compiled.diagnostics);
  }
  const color =
    format === 'text' && process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  process.stdout.write(
    renderDiagnostics(diagnostics, { format, sources, color, files: [...sources.keys()] }),
  );
  const errors = diagnostics.some((d) => d.severity === 'error');
  const warnings = diagnostics.some((d) => d.severity === 'warning');
  return errors || unreadable > 0 || (options.strict && warnings) ? 1 : 0;
}
