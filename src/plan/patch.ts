/**
 * The surgical writer: sets `status`, `log` and `files edited` of tasks and changes no other byte.
 * Pure: text + edits -> text. A field that is missing is added after the task's last field, in the
 * task's own bullet, indentation and label style; line endings are the file's own.
 */
import { parsePlan } from './parse.js';
import { detectEol } from './source.js';
import type { Field, Fix, Task, TaskEdit } from './types.js';
import { CANONICAL_LABEL } from './values.js';

export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

interface Replacement {
  start: number;
  end: number;
  text: string;
}

interface ItemStyle {
  indent: string;
  bullet: string;
  /** `**label**:` (outside), `**label:**` (inside) or `label:` (plain, a task written without bold). */
  colon: 'outside' | 'inside' | 'plain';
}

/**
 * `logOf`: the log to write for a task, given the task as the plan has it now and the edit's log
 * (the run's write-back keeps lines a person added meanwhile; plan-writer.ts).
 */
export type LogOf = (task: Task, log: string) => string;

export function patchPlan(text: string, edits: TaskEdit[], logOf?: LogOf): string {
  if (edits.length === 0) return text;
  const eol = detectEol(text);
  const replacements: Replacement[] = [];
  const tasks = new Map<string, Task>();
  for (const task of parsePlan(text, 'plan.md').plan.tasks)
    if (!tasks.has(task.id)) tasks.set(task.id, task);
  for (const edit of edits) {
    const task = tasks.get(edit.taskId);
    if (task === undefined)
      throw new PatchError(`task ${edit.taskId} is not in the plan (any more)`);
    const log = edit.log !== undefined && logOf !== undefined ? logOf(task, edit.log) : edit.log;
    replacements.push(...editTask(text, task, log === undefined ? edit : { ...edit, log }, eol));
  }
  replacements.sort((a, b) => b.start - a.start);
  let out = text;
  for (const r of replacements) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
}

function editTask(text: string, task: Task, edit: TaskEdit, eol: string): Replacement[] {
  const style = styleOf(text, task);
  const replacements: Replacement[] = [];
  const missing: string[] = [];
  const set = (key: 'status' | 'log' | 'files_edited', value: string) => {
    const field = task.fields.find((f) => f.key === key);
    if (field !== undefined) {
      replacements.push({
        start: field.valueSpan.start.offset,
        end: field.valueSpan.end.offset,
        text: value,
      });
    } else {
      const label = CANONICAL_LABEL[key];
      const head =
        style.colon === 'plain'
          ? `${label}:`
          : style.colon === 'inside'
            ? `**${label}:**`
            : `**${label}**:`;
      missing.push(`${eol}${style.indent}${style.bullet} ${head}${value}`);
    }
  };
  if (edit.status !== undefined) set('status', ` ${edit.status}`);
  if (edit.log !== undefined)
    set('log', formatLines(edit.log.split(/\r?\n/), style, eol, '[empty - agent fills]'));
  if (edit.filesEdited !== undefined)
    set('files_edited', formatLines(edit.filesEdited, style, eol, '[empty - agent fills]'));
  if (missing.length > 0) {
    const end = lastFieldEnd(task);
    replacements.push({ start: end, end, text: missing.join('') });
  }
  return replacements;
}

/** One line stays inline; several become a nested list under the field. */
function formatLines(lines: string[], style: ItemStyle, eol: string, empty: string): string {
  const clean = lines
    .map((line) => line.replace(/\s+$/, '').replace(/^\s+/, ''))
    .filter((line) => line.length > 0);
  if (clean.length === 0) return ` ${empty}`;
  if (clean.length === 1 && !/^[-*+] /.test(clean[0] as string)) return ` ${clean[0]}`;
  const nested = `${style.indent}  `;
  return clean
    .map((line) => `${eol}${nested}${style.bullet} ${line.replace(/^[-*+]\s+/, '')}`)
    .join('');
}

function lastFieldEnd(task: Task): number {
  return task.fields.reduce(
    (end, field) => Math.max(end, field.span.end.offset),
    task.headingSpan.end.offset,
  );
}

function styleOf(text: string, task: Task): ItemStyle {
  const sample: Field | undefined = task.fields[0];
  if (sample === undefined) return { indent: '', bullet: '-', colon: 'outside' };
  const start = sample.span.start.offset;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const indent = text.slice(lineStart, start);
  const bullet = text[start] ?? '-';
  const head = text.slice(start, sample.valueSpan.start.offset);
  return {
    indent: /^[ \t]*$/.test(indent) ? indent : '',
    bullet: bullet === '*' || bullet === '+' ? bullet : '-',
    colon: /[:：]\s*(\*\*|__)\s*$/.test(head)
      ? 'inside'
      : /^[-*+]\s+(\*\*|__)/.test(head)
        ? 'outside'
        : 'plain',
  };
}

export interface AppliedFix<T extends { fixes?: Fix[] }> {
  /** The diagnostic whose fix it is. */
  diagnostic: T;
  fix: Fix;
  /** The text the fix replaced. */
  before: string;
}

/**
 * Applies diagnostics' fixes in one go (for `ccglm validate --fix`): fixes are taken in text
 * order (two on the same span: the smaller text first), and one that overlaps a fix already taken
 * (or points outside the text, or changes nothing) is skipped, so what is applied never depends
 * on the order the diagnostics came in.
 * Pure: the caller writes the text.
 */
export function applyFixes<T extends { fixes?: Fix[] }>(
  text: string,
  diagnostics: readonly T[],
): { text: string; applied: AppliedFix<T>[]; skipped: AppliedFix<T>[] } {
  const candidates = diagnostics
    .flatMap((diagnostic) =>
      (diagnostic.fixes ?? []).map((fix) => ({
        diagnostic,
        fix,
        before: text.slice(fix.span.start.offset, fix.span.end.offset),
      })),
    )
    .sort(
      (a, b) =>
        a.fix.span.start.offset - b.fix.span.start.offset ||
        a.fix.span.end.offset - b.fix.span.end.offset ||
        (a.fix.text < b.fix.text ? -1 : a.fix.text > b.fix.text ? 1 : 0),
    );
  const applied: AppliedFix<T>[] = [];
  const skipped: AppliedFix<T>[] = [];
  let taken = -1;
  for (const candidate of candidates) {
    const { start, end } = candidate.fix.span;
    if (
      start.offset < 0 ||
      end.offset > text.length ||
      end.offset < start.offset ||
      start.offset < taken ||
      candidate.before === candidate.fix.text
    ) {
      skipped.push(candidate);
      continue;
    }
    applied.push(candidate);
    taken = Math.max(end.offset, start.offset + 1);
  }
  let out = text;
  for (const { fix } of [...applied].reverse())
    out = out.slice(0, fix.span.start.offset) + fix.text + out.slice(fix.span.end.offset);
  return { text: out, applied, skipped };
}
