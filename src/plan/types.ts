/**
 * The compiled plan: what the plan compiler understood of a `<topic>-plan.md`, with a source span on
 * everything so diagnostics and the write-back patcher can point at (and edit) the exact bytes.
 * Shared by every layer; the plan compiler owns it (schemas/plan.schema.json mirrors it).
 */

/** line and column are 1-based (as editors show them); offset is a 0-based UTF-16 index into the text. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

export interface Span {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export interface RelatedInfo {
  message: string;
  span: Span;
  /** Set when the related place is in another file. */
  file?: string;
}

export interface Diagnostic {
  /** Stable code: CCG1xx structure, CCG2xx graph, CCG3xx fields and values, CCG4xx lint. */
  code: string;
  severity: Severity;
  /** What was found and what was expected. */
  message: string;
  file: string;
  span: Span;
  related: RelatedInfo[];
  hint?: string;
  /** Safe edits that make the plan say what was read (`ccglm validate --fix` applies them). */
  fixes?: Fix[];
}

/** Replace the text of `span` with `text`. */
export interface Fix {
  span: Span;
  text: string;
}

/** Canonical status words. */
export type TaskStatus =
  'Not Started' | 'In Progress' | 'Completed' | 'Failed' | 'Blocked' | 'Skipped';

/** Canonical field keys; anything else is kept as an unknown field. */
export type FieldKey =
  | 'depends_on'
  | 'repo'
  | 'location'
  | 'description'
  | 'validation'
  | 'status'
  | 'log'
  | 'files_edited'
  | 'target';

export interface Field {
  /** Canonical key for known fields, else the label normalised (lower case, `_` separators). */
  key: string;
  /** The label exactly as written, without the bold markers and colon. */
  label: string;
  /** The value as plain text (inline markup removed, nested lines joined with \n). */
  value: string;
  /** The whole list item. */
  span: Span;
  /** The raw value bytes (after the label and colon, through the end of nested content). */
  valueSpan: Span;
}

export interface Dependency {
  id: string;
  /** Text in parentheses after the id, e.g. `API contract` in `T2 (API contract)`. */
  note?: string;
  span: Span;
}

export interface LocationEntry {
  path: string;
  /** Notes such as `new`, `if needed`, `**NEW**`, kept apart from the path. */
  note?: string;
  span: Span;
}

export interface Task {
  id: string;
  name: string;
  /** Heading depth (2, 3 or 4). */
  depth: number;
  headingSpan: Span;
  /** From the heading to the end of the task's field list. */
  span: Span;
  /** null when the field is missing (an error); [] for `[]` / `none`. */
  dependsOn: Dependency[] | null;
  repo?: string;
  /** The machine the task runs on (a target of ccglm.config.json); absent: `local`. */
  target?: string;
  targetSpan?: Span;
  /** null when the field is missing (a warning: scope unknown). */
  location: LocationEntry[] | null;
  description?: string;
  validation?: string;
  status: TaskStatus;
  /** The status value as written, when it differs from the canonical word (`Done`, `completed (2026-03-01)`). */
  statusText?: string;
  /** Free text after the status word (`commit 39d80a1 — awaits review`). */
  statusNote?: string;
  log?: string;
  filesEdited: string[];
  /** Every field in source order, known and unknown. */
  fields: Field[];
}

export interface PlanDoc {
  file: string;
  title?: string;
  overview?: string;
  /** Line ending the file mostly uses; the patcher writes new lines with it. */
  eol: '\n' | '\r\n';
  tasks: Task[];
  /** A "Parallel Execution Groups"/wave table, when the plan has one: wave label -> task ids. */
  declaredWaves?: { label: string; taskIds: string[]; span: Span }[];
}

export type CompileResult = {
  plan: PlanDoc;
  diagnostics: Diagnostic[];
  /** True when no diagnostic is an error. */
  ok: boolean;
};

/** One write-back edit for one task (see patchPlan). Only these three fields are ever written. */
export interface TaskEdit {
  taskId: string;
  status?: TaskStatus;
  /** Multi-line allowed. */
  log?: string;
  filesEdited?: string[];
}
