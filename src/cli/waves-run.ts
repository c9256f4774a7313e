import path from 'node:path';
import { compilePlan } from '../graph/compile.js';
import { renderWaves, type WavesFormat } from '../graph/render-waves.js';
import { renderDiagnostics } from '../plan/render.js';
import { resolveReportOptions } from './diagnostic-filter.js';
import { parseFormat, readPlanOrThrow } from './plan-input.js';
import { repoRootsOf } from '../paths.js';

/**
 * Prints the wave preview, or the diagnostics of an invalid plan (exit 1). Codes ignored (by
 * --ignore or the config's validate.ignore) leave the preview too (its overlaps); errors still
 * refuse: a plan with errors has no waves to show.
 */
export async function printWaves(
  file: string,
  format: string,
  {
    concurrency,
    ignore,
    config,
  }: { concurrency?: number; ignore?: string[]; config?: string } = {},
): Promise<number> {
  const chosen = parseFormat<WavesFormat>(format, ['text', 'json', 'mermaid', 'dot']);
  const report = await resolveReportOptions(ignore !== undefined ? { ignore } : {}, {
    ...(config !== undefined ? { config } : {}),
    start: path.dirname(path.resolve(file)),
  });
  const text = await readPlanOrThrow(file);
  const compiled = compilePlan(text, file, {
    ...repoRootsOf(file),
    ...(concurrency !== undefined ? { concurrency } : {}),
  });
  if (!compiled.ok) {
    const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
    process.stderr.write(
      renderDiagnostics(errors, {
        format: 'text',
        sources: new Map([[file, text]]),
        files: [file],
      }),
    );
    return 1;
  }
  compiled.diagnostics = compiled.diagnostics.filter((d) => !report.ignore.has(d.code));
  process.stdout.write(renderWaves(compiled, chosen));
  return 0;
}
