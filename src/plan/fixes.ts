/**
 * Fixes for diagnostics the parser reports without one yet: a status variant (CCG304) is rewritten
 * as the canonical word ccglm reads it as (`Done` → `Completed`, `Deferred (…)` → `Skipped (…)`),
 * the rest of the value kept. Pure. The parser is to attach its own fixes (status words, bold
 * labels, repo-relative paths); a diagnostic that has one is left as it is.
 */
import { SourceMap } from './source.js';
import type { Diagnostic } from './types.js';
import { readStatus } from './values.js';

export function attachStatusFixes(text: string, diagnostics: Diagnostic[]): void {
  let source: SourceMap | undefined;
  for (const diagnostic of diagnostics) {
    if (diagnostic.code !== 'CCG304' || diagnostic.fix !== undefined) continue;
    const { start, end } = diagnostic.span;
    const value = text.slice(start.offset, end.offset);
    // Inline markup as spaces: the reading sees `Done` as the parser does, offsets stay the value's.
    const reading = readStatus(value.replace(/[`*_~]/g, ' '));
    if (!reading.ok || reading.canonical) continue;
    const at = value.indexOf(reading.word);
    // Only a value that starts with the word (after markup): a status in a heading suffix is not one.
    if (at < 0 || !/^[\s`*_~[]*$/.test(value.slice(0, at))) continue;
    source ??= new SourceMap(text);
    diagnostic.fix = {
      span: source.span(start.offset + at, start.offset + at + reading.word.length),
      text: reading.status,
    };
  }
}
