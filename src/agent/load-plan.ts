import { readFileSync } from 'node:fs';
import { CcglmError, ExitCode } from '../errors.js';
import type { Diagnostic, PlanDoc } from '../plan/types.js';

type PlanReader = (text: string, file: string) => { plan: PlanDoc; diagnostics: Diagnostic[] };

// GRAPH's compilePlan is the checked path; PARSE's parsePlan is enough for a prompt. They are
// looked up at run time so this layer builds while they are being written in parallel.
const READERS: [string, string][] = [
  ['../graph/compile.js', 'compilePlan'],
  ['../plan/parse.js', 'parsePlan'],
];

export async function findPlanReader(): Promise<PlanReader | undefined> {
  for (const [specifier, name] of READERS) {
    try {
      const module = (await import(specifier)) as Record<string, unknown>;
      if (typeof module[name] === 'function') return module[name] as PlanReader;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (
        code !== 'ERR_MODULE_NOT_FOUND' &&
        !/Cannot find module|Failed to load/.test(String(error))
      )
        throw error;
    }
  }
  return undefined;
}

/** Reads and parses a plan file; exit 1 with one line when it cannot be read. */
export async function loadPlan(
  file: string,
): Promise<{ plan: PlanDoc; diagnostics: Diagnostic[] }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CcglmError(
      `${file}: cannot read the plan (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`,
      ExitCode.failure,
    );
  }
  const reader = await findPlanReader();
  if (reader === undefined)
    throw new CcglmError('the plan parser is not built yet (src/plan/parse.ts)', ExitCode.failure);
  return reader(text, file);
}
