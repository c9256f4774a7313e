import { readFile, stat } from 'node:fs/promises';

/** Plans larger than this are refused before reading (a 10,000-task plan is about 4 MB). */
export const MAX_PLAN_BYTES = 16 * 1024 * 1024;

export type PlanFileResult = { ok: true; text: string } | { ok: false; message: string };

/**
 * Reads a plan file or says, in one line, why it cannot: missing, a directory, unreadable, too
 * large, binary, not UTF-8. Never throws.
 */
export async function readPlanFile(file: string): Promise<PlanFileResult> {
  try {
    const info = await stat(file);
    if (info.isDirectory())
      return fail(file, 'is a directory, expected a plan file (<topic>-plan.md)');
    if (!info.isFile()) return fail(file, 'is not a regular file');
    if (info.size > MAX_PLAN_BYTES)
      return fail(
        file,
        `is ${(info.size / 1024 / 1024).toFixed(1)} MB, larger than the ${MAX_PLAN_BYTES / 1024 / 1024} MB limit for a plan`,
      );
    const bytes = await readFile(file);
    if (bytes.subarray(0, 8192).includes(0))
      return fail(file, 'is a binary file, expected markdown text');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return fail(file, 'is not valid UTF-8 text, expected a markdown plan');
    }
    return { ok: true, text };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return fail(file, 'no such file');
    if (code === 'EACCES' || code === 'EPERM') return fail(file, 'permission denied');
    return fail(file, `cannot be read (${code ?? (error as Error).message})`);
  }
}

function fail(file: string, reason: string): PlanFileResult {
  return { ok: false, message: `${file}: ${reason}` };
}
