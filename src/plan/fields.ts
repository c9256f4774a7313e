/**
 * Field values -> typed task data: depends_on, location / files edited lists, status.
 * Each reader gets the raw value bytes and their absolute offset, and reports through `report`.
 */
import type { Dependency, LocationEntry, Span } from './types.js';
import type { SourceMap } from './source.js';
import type { ParseCode } from './codes.js';
import { isPlaceholder, isTaskId, splitList, stripMarkup, TASK_ID_SOURCE } from './values.js';

export type Report = (
  code: ParseCode,
  severity: 'error' | 'warning' | 'info',
  message: string,
  span: Span,
  hint?: string,
) => void;

const DEP_PIECE = new RegExp(`^(${TASK_ID_SOURCE})\\s*(?:[(（](.*?)[)）])?\\s*(.*)$`, 's');

/** `[T1, T2 (API contract)]`, `` `[T1]` ``, `T1, T2`, `none`, nested bullets. */
export function readDependencies(
  raw: string,
  start: number,
  source: SourceMap,
  report: Report,
): Dependency[] {
  if (
    isPlaceholder(raw) ||
    /^\s*[`*]*\s*\[?\s*(none|nothing|n\/a|-|—)?\s*\]?\s*[`*]*\s*$/i.test(raw)
  )
    return [];
  // Mask markup with spaces so offsets stay those of the source.
  const masked = raw.replace(/[`[\]*]/g, ' ');
  const dependencies: Dependency[] = [];
  for (const piece of splitList(masked)) {
    const { text, lead } = stripMarkup(piece.text);
    const value = text.trim();
    if (value.length === 0 || /^(none|n\/a|-|—)$/i.test(value)) continue;
    const at = start + piece.offset + lead;
    const match = DEP_PIECE.exec(value);
    const id = match?.[1];
    if (match === null || id === undefined || !isTaskId(id)) {
      report(
        'CCG305',
        'error',
        `Unexpected \`${value}\` in depends_on, expected task ids such as \`[T1, T2]\` or \`none\``,
        source.span(at, at + value.length),
        'Write the ids of the tasks this one needs, separated by commas; put notes in parentheses after an id.',
      );
      continue;
    }
    const note = [match[2], match[3]]
      .map((part) => (part ?? '').trim().replace(/^[—–:-]\s*/, ''))
      .filter((part) => part.length > 0)
      .join(' ');
    const dependency: Dependency = { id, span: source.span(at, at + id.length) };
    if (note.length > 0) dependency.note = note;
    dependencies.push(dependency);
  }
  return dependencies;
}

const TAG = /\*\*([^*]+)\*\*|__([^_]+)__/g;
const CODE = /`([^`]+)`/g;

/** Location and files-edited lists: nested bullets, code spans, comma/`；`-separated paths, notes kept apart. */
export function readPaths(raw: string, start: number, source: SourceMap): LocationEntry[] {
  if (isPlaceholder(raw)) return [];
  const entries: LocationEntry[] = [];
  for (const piece of splitList(raw)) {
    const bullet = /^\s*(?:[-*+]|\d+[.)])\s+/.exec(piece.text);
    const body = bullet === null ? piece.text : piece.text.slice(bullet[0].length);
    const bodyAt = start + piece.offset + (bullet?.[0].length ?? 0);
    if (isPlaceholder(body)) continue;
    const codes = [...body.matchAll(CODE)];
    // `cargo build --release` is a command, not a file: such an entry is prose, kept whole as
    // written (the agent reads it so), not cut into "paths" named like commands.
    if (codes.some((code) => /\s-{1,2}[A-Za-z]/.test(code[1] ?? ''))) {
      const lead = body.length - body.trimStart().length;
      const prose = body.trim();
      entries.push({ path: prose, span: source.span(bodyAt + lead, bodyAt + lead + prose.length) });
      continue;
    }
    if (codes.length > 0) {
      const rest = body.replace(CODE, ' ');
      for (const code of codes) {
        const path = (code[1] ?? '').trim();
        if (path.length === 0) continue;
        const at = bodyAt + (code.index ?? 0) + 1;
        entries.push(withNote({ path, span: source.span(at, at + path.length) }, rest));
      }
      continue;
    }
    const tags: string[] = [];
    const untagged = body.replace(TAG, (_all, a?: string, b?: string) => {
      tags.push((a ?? b ?? '').trim());
      return ' '.repeat(_all.length);
    });
    const lead = untagged.length - untagged.trimStart().length;
    const trimmed = untagged.trim();
    // The path ends where a parenthesised note or a dash-separated remark begins.
    const cut = /\s+(?:[(（]|[—–](?:\s|$)|-(?:\s|$))|[(（]/.exec(trimmed);
    const path = (cut === null ? trimmed : trimmed.slice(0, cut.index))
      .replace(/[:,.]$/, '')
      .trim();
    if (path.length === 0) continue;
    const at = bodyAt + lead;
    const note = [cut === null ? '' : trimmed.slice(cut.index), ...tags].join(' ');
    entries.push(withNote({ path, span: source.span(at, at + path.length) }, note));
  }
  return entries;
}

function withNote(entry: LocationEntry, rawNote: string): LocationEntry {
  const note = rawNote
    .replace(/[*_`]/g, '')
    .replace(/[()（）]/g, ' ')
    .replace(/^[\s—–:,-]+|[\s—–:,-]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (note.length > 0) entry.note = note;
  return entry;
}

/** An absolute path, or one that climbs out of the repository with `..`. */
export function checkRepoPath(path: string): 'absolute' | 'escapes' | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return undefined; // a URL is not a repository path
  if (path.startsWith('/') || path.startsWith('~') || /^[A-Za-z]:[\\/]/.test(path))
    return 'absolute';
  let depth = 0;
  for (const segment of path.split(/[\\/]+/)) {
    if (segment === '..') depth -= 1;
    else if (segment !== '.' && segment !== '') depth += 1;
    if (depth < 0) return 'escapes';
  }
  return undefined;
}

/**
 * A field's value as text: its lines dedented, list markers gone; `markup` keeps inline code and
 * bold as written (a description's `--flag` or `file.ts` reaches the agent's prompt as written).
 */
export function plainValue(raw: string, markup = false): string {
  const lines = raw.split(/\r?\n/);
  const first = (lines[0] ?? '').trim();
  const rest = lines.slice(1);
  const indents = rest
    .filter((line) => line.trim().length > 0)
    .map((line) => line.length - line.trimStart().length);
  const dedent = indents.length > 0 ? Math.min(...indents) : 0;
  const out = [
    first,
    ...rest.map((line) =>
      line
        .slice(dedent)
        .replace(/\s+$/, '')
        .replace(/^(?:[-*+]|\d+[.)])\s+/, ''),
    ),
  ].join('\n');
  return markup
    ? out.trim()
    : out
        .replace(/\*\*([^*]+)\*\*/g, '$1')
        .replace(/`([^`]*)`/g, '$1')
        .trim();
}
