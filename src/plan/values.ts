/**
 * Field labels and values as people write them: aliases, status words and their variants,
 * dependency lists, location lists. Pure string functions, table-driven.
 */
import type { FieldKey, TaskStatus } from './types.js';

/** A task id: letters, digits and `._-` joints, with at least one digit (T1, T10a, S1A, T_A.1, T040-1). */
export const TASK_ID = /[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*/;
export const TASK_ID_SOURCE = TASK_ID.source;

export function isTaskId(value: string): boolean {
  return new RegExp(`^${TASK_ID_SOURCE}$`).test(value) && /\d/.test(value);
}

/** `Files Edited/Created` -> `files_edited_created`. */
export function normaliseLabel(label: string): string {
  return label
    .trim()
    .replace(/:$/, '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const ALIASES: Record<string, FieldKey> = {
  depends_on: 'depends_on',
  dependson: 'depends_on',
  depends: 'depends_on',
  dependencies: 'depends_on',
  dependency: 'depends_on',
  deps: 'depends_on',
  blocked_by: 'depends_on',
  repo: 'repo',
  repository: 'repo',
  location: 'location',
  locations: 'location',
  file_scope: 'location',
  paths: 'location',
  description: 'description',
  desc: 'description',
  validation: 'validation',
  verification: 'validation',
  validate: 'validation',
  status: 'status',
  state: 'status',
  log: 'log',
  work_log: 'log',
  worklog: 'log',
  execution_log: 'log',
  agent_log: 'log',
  files_edited: 'files_edited',
  files_edited_created: 'files_edited',
  files_created_edited: 'files_edited',
  files_changed: 'files_edited',
  files_touched: 'files_edited',
  files_modified: 'files_edited',
  files_created: 'files_edited',
  edited_files: 'files_edited',
  changed_files: 'files_edited',
  files: 'files_edited',
  target: 'target',
  runs_on: 'target',
};

export function canonicalKey(label: string): { key: string; known: boolean } {
  const normalised = normaliseLabel(label);
  const known = ALIASES[normalised];
  return known !== undefined ? { key: known, known: true } : { key: normalised, known: false };
}

/** The label each canonical field is written with when ccglm adds it. */
export const CANONICAL_LABEL: Record<FieldKey, string> = {
  depends_on: 'depends_on',
  repo: 'repo',
  location: 'location',
  description: 'description',
  validation: 'validation',
  status: 'status',
  log: 'log',
  files_edited: 'files edited',
  target: 'target',
};

/** Values that mean "nothing yet". */
export function isPlaceholder(value: string): boolean {
  const v = value
    .trim()
    .replace(/^[`*_]+|[`*_]+$/g, '')
    .trim()
    .toLowerCase();
  if (['', '-', '—', 'none', 'n/a', 'tbd', '[]', '()', 'empty'].includes(v)) return true;
  return (
    /^[[(]\s*(empty|none|tbd|pending)\b[^\])]*[\])]$/.test(v) || /agent fills|to be filled/.test(v)
  );
}

interface StatusRule {
  pattern: RegExp;
  status: TaskStatus;
  /** True when the word is the canonical one (no warning). */
  canonical: boolean;
}

// Longest phrases first: "not completed" must not read as "completed".
const STATUS_RULES: StatusRule[] = [
  { pattern: /^not[\s_-]*started\b/i, status: 'Not Started', canonical: true },
  {
    pattern: /^not[\s_-]*(completed?|done|begun|yet started)\b/i,
    status: 'Not Started',
    canonical: false,
  },
  {
    pattern: /^(todo|to[\s-]do|pending|open|planned|queued|ready|new)\b/i,
    status: 'Not Started',
    canonical: false,
  },
  { pattern: /^partially[\s_-]*(completed?|done)\b/i, status: 'In Progress', canonical: false },
  { pattern: /^in[\s_-]*progress\b/i, status: 'In Progress', canonical: true },
  {
    pattern: /^(wip|started|ongoing|running|doing|active)\b/i,
    status: 'In Progress',
    canonical: false,
  },
  { pattern: /^completed\b/i, status: 'Completed', canonical: true },
  {
    pattern:
      /^(completed?|done|finished|implemented|merged|shipped|resolved|closed|✅)(?=$|[\s(—–:,;.!-])/i,
    status: 'Completed',
    canonical: false,
  },
  { pattern: /^failed\b/i, status: 'Failed', canonical: true },
  { pattern: /^(failed|failure|error|errored|broken)\b/i, status: 'Failed', canonical: false },
  { pattern: /^blocked\b/i, status: 'Blocked', canonical: true },
  { pattern: /^(blocked|on[\s-]hold|stuck|waiting)\b/i, status: 'Blocked', canonical: false },
  { pattern: /^skipped\b/i, status: 'Skipped', canonical: true },
  {
    pattern:
      /^(skipped|skip|deferred|cancell?ed|won'?t[\s-]do|wontfix|dropped|obsolete|superseded|n\/a)\b/i,
    status: 'Skipped',
    canonical: false,
  },
];

export type StatusReading =
  { ok: true; status: TaskStatus; canonical: boolean; word: string; note?: string } | { ok: false };

/** `Completed (commit 39d80a1) — awaits review` -> Completed, note `commit 39d80a1) — awaits review`. */
export function readStatus(raw: string): StatusReading {
  const text = raw
    .trim()
    .replace(/^[`*_~[]+/, '')
    .trim();
  for (const rule of STATUS_RULES) {
    const match = rule.pattern.exec(text);
    if (match === null) continue;
    const word = match[0];
    const rest = text
      .slice(word.length)
      .replace(/^[`*_\]]+/, '')
      .trim();
    const note = rest
      .replace(/^[\s—–:;,.-]+/, '')
      .replace(/^\((.*)\)$/s, '$1')
      .trim();
    const exact = rule.canonical && word === rule.status;
    return note.length > 0
      ? { ok: true, status: rule.status, canonical: exact, word, note }
      : { ok: true, status: rule.status, canonical: exact, word };
  }
  return { ok: false };
}

/** A piece of a list value with its offset inside the raw value text. */
export interface Piece {
  text: string;
  offset: number;
}

/** Splits at top-level separators (commas, semicolons, fullwidth ；, newlines), not inside (...). */
export function splitList(raw: string, base = 0): Piece[] {
  const pieces: Piece[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const slice = raw.slice(start, end);
    const lead = slice.length - slice.trimStart().length;
    const text = slice.trim();
    if (text.length > 0) pieces.push({ text, offset: base + start + lead });
  };
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i];
    if (ch === '(' || ch === '（') depth += 1;
    else if ((ch === ')' || ch === '）') && depth > 0) depth -= 1;
    else if (
      depth === 0 &&
      (ch === ',' || ch === ';' || ch === '；' || ch === '、' || ch === '\n')
    ) {
      push(i);
      start = i + 1;
    }
  }
  push(raw.length);
  return pieces;
}

/** Strips list bullets, bold markers and backticks around a piece. */
export function stripMarkup(text: string): { text: string; lead: number } {
  let lead = 0;
  let value = text;
  const bullet = /^\s*(?:[-*+]|\d+[.)])\s+/.exec(value);
  if (bullet !== null) {
    lead += bullet[0].length;
    value = value.slice(bullet[0].length);
  }
  const open = /^[`*_[]+/.exec(value);
  if (open !== null) {
    lead += open[0].length;
    value = value.slice(open[0].length);
  }
  value = value.replace(/[`*_\]]+$/, '');
  return { text: value, lead };
}

/** A task's log as lines: list markers and blank lines gone (what runs and prompts read of it). */
export function logLines(log: string | undefined): string[] {
  return (log ?? '')
    .split('\n')
    .map((line) => line.replace(/^\s*[-*+]\s+/, '').trim())
    .filter((line) => line.length > 0);
}
