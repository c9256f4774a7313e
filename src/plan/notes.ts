/**
 * What the reader accepted in other words than the canonical ones, said once per plan: one
 * information per kind, at its first place, naming what was read (with counts) and carrying every
 * fix `ccglm validate --fix` applies. Pure.
 */
import type { Diagnostic, Fix, Span } from './types.js';
import type { ParseCode } from './codes.js';

export type NoteKind = 'status' | 'label' | 'separator' | 'absolute' | 'unknown';

interface Kind {
  code: ParseCode;
  /** The message for what was seen (`items` is `a (3×), b`). */
  message: (items: string, count: number) => string;
  hint?: string;
}

const KINDS: Record<NoteKind, Kind> = {
  status: {
    code: 'CCG304',
    message: (items, n) =>
      `${plural(n, 'status value')} in other words read as canonical: ${items}`,
    hint: '`ccglm validate --fix` writes the canonical words (Not Started, In Progress, Completed, Failed, Blocked, Skipped).',
  },
  label: {
    code: 'CCG311',
    message: (items, n) => `${plural(n, 'field label')} without bold read as fields: ${items}`,
    hint: '`ccglm validate --fix` makes them bold (`- **depends_on**: …`).',
  },
  separator: {
    code: 'CCG105',
    message: (items, n) =>
      `${plural(n, 'task heading')} with another separator than \`:\` read as tasks: ${items}`,
    hint: '`ccglm validate --fix` writes them as `ID: Name`.',
  },
  absolute: {
    code: 'CCG312',
    message: (items, n) =>
      `${plural(n, 'absolute location')} inside the task's repository read as relative paths: ${items}`,
    hint: '`ccglm validate --fix` writes them relative to the repository.',
  },
  unknown: {
    code: 'CCG309',
    message: (items, n) => `${plural(n, 'field')} with an unknown label kept as written: ${items}`,
  },
};

function plural(n: number, noun: string): string {
  return n === 1 ? `1 ${noun}` : `${n} ${noun}s`;
}

interface Seen {
  span: Span;
  counts: Map<string, number>;
  fixes: Fix[];
}

export class Notes {
  private readonly seen = new Map<NoteKind, Seen>();

  add(kind: NoteKind, what: string, span: Span, fix?: Fix): void {
    let entry = this.seen.get(kind);
    if (entry === undefined) {
      entry = { span, counts: new Map(), fixes: [] };
      this.seen.set(kind, entry);
    }
    entry.counts.set(what, (entry.counts.get(what) ?? 0) + 1);
    if (fix !== undefined) entry.fixes.push(fix);
  }

  diagnostics(file: string): Diagnostic[] {
    return [...this.seen].map(([kind, { span, counts, fixes }]) => {
      const { code, message, hint } = KINDS[kind];
      let total = 0;
      const items = [...counts].map(([what, count]) => {
        total += count;
        return count > 1 ? `${what} (${count}×)` : what;
      });
      const shown =
        items.length > 8 ? [...items.slice(0, 8), `and ${items.length - 8} more`] : items;
      const diagnostic: Diagnostic = {
        code,
        severity: 'info',
        message: message(shown.join(', '), total),
        file,
        span,
        related: [],
      };
      if (hint !== undefined) diagnostic.hint = hint;
      if (fixes.length > 0) diagnostic.fixes = fixes;
      return diagnostic;
    });
  }
}
