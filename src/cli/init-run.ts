import { openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { CcglmError } from '../errors.js';
import { packageRoot } from '../paths.js';

/** A plain topic: letters, digits, `.`, `_`, `-`; no path separator, no leading dot or dash. */
export function topicCheck(topic: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(topic)
    ? undefined
    : 'a plain topic name: letters, digits, ".", "_" or "-", no path separator, no leading dot';
}

/** Writes `<topic>-plan.md` from templates/plan.md; refuses to overwrite. Returns a one-line report. */
export async function initPlan(topic: string, dir: string, repo?: string): Promise<string> {
  const expected = topicCheck(topic);
  if (expected !== undefined)
    throw new CcglmError(`init: TOPIC ${JSON.stringify(topic)}: expected ${expected}`, 2);
  const slug = topic.replace(/[-_.]?plan(\.md)?$/i, '');
  if (slug.length === 0)
    throw new CcglmError(`init: TOPIC ${JSON.stringify(topic)}: expected a topic before -plan`, 2);
  const file = path.resolve(dir, `${slug}-plan.md`);
  const title = slug.replace(/[-_]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const text = readFileSync(path.join(packageRoot, 'templates', 'plan.md'), 'utf8')
    .replaceAll('{{title}}', title)
    .replaceAll('{{overview}}', `What this plan changes and why (${title}).`)
    .replaceAll('{{repo}}', repo ?? path.basename(path.resolve(dir)));
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EEXIST')
      throw new CcglmError(`${file} already exists; ccglm init never overwrites a plan`, 1);
    throw new CcglmError(`cannot write ${file}: ${code ?? (error as Error).message}`, 1);
  }
  writeSync(fd, text);
  closeSync(fd);
  return `wrote ${file} (2 tasks, 2 waves): edit it, then: ccglm validate ${path.relative(process.cwd(), file) || file}`;
}
