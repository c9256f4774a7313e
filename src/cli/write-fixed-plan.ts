import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Replaces a plan with its fixed text atomically (temp file, fsync, rename), only if the file still
 * holds the text that was fixed (a person or a run may have written it since); a BOM is kept.
 */
export async function writeFixedPlan(
  file: string,
  fixedFrom: string,
  next: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    const bytes = await readFile(file);
    const bom = bytes.subarray(0, 3).equals(BOM);
    if (new TextDecoder('utf-8').decode(bytes) !== fixedFrom)
      return { ok: false, message: 'it changed while it was being checked; run again' };
    await writeFileAtomic(file, bom ? `\uFEFF${next}` : next, { fsync: true });
    return { ok: true };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
