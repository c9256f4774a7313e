import { CcglmError, ExitCode } from '../errors.js';
import { readPlanFile } from '../read-plan-file.js';

/** Expands the plan arguments: files as given, globs through tinyglobby. A glob matching nothing is a usage error. */
export async function expandPlanArgs(args: string[]): Promise<string[]> {
  if (args.length === 0)
    throw new CcglmError(
      'give at least one plan file (or a glob such as "docs/*-plan.md")',
      ExitCode.usage,
    );
  const files: string[] = [];
  for (const arg of args) {
    if (!/[*?[\]{}]/.test(arg)) {
      files.push(arg);
      continue;
    }
    const { glob } = await import('tinyglobby');
    const matches = (await glob(arg, { onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) throw new CcglmError(`no file matches ${arg}`, ExitCode.usage);
    files.push(...matches);
  }
  return [...new Set(files)];
}

/** Reads one plan or throws the one-line reason with exit code 1. */
export async function readPlanOrThrow(file: string): Promise<string> {
  const result = await readPlanFile(file);
  if (!result.ok) throw new CcglmError(result.message, ExitCode.failure);
  return result.text;
}

export function parseFormat<T extends string>(value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new CcglmError(
    `unknown --format ${String(value)}, expected one of ${allowed.join(', ')}`,
    ExitCode.usage,
  );
}
