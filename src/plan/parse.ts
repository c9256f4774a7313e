/**
 * The tolerant reader: plan markdown -> PlanDoc with source spans, plus diagnostics. Pure.
 *
 * The text is cut at its headings (one linear scan, outside fenced code) and only the field list
 * that follows a task heading is handed to remark, so parsing stays linear in the plan's size
 * (remark-parse alone is quadratic in the number of lists in one document).
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import type { Root } from 'mdast';
import type { Diagnostic, Field, PlanDoc, Task } from './types.js';
import { detectEol, SourceMap } from './source.js';
import { scanSections, type HeadingLine } from './sections.js';
import { canonicalKey, isPlaceholder, isTaskId, readStatus, TASK_ID_SOURCE } from './values.js';
import { checkRepoPath, plainValue, readDependencies, readPaths, type Report } from './fields.js';
import { readDeclaredWaves } from './wave-table.js';

export interface ParseResult {
  plan: PlanDoc;
  diagnostics: Diagnostic[];
}

const processor = unified().use(remarkParse);

const TASK_HEADING = new RegExp(
  `^(?:\\*\\*|__|\`)?(${TASK_ID_SOURCE})(?:\\*\\*|__|\`)?\\s*[:：]\\s*(.*)$`,
  's',
);
const HEADING_STATUS =
  /\s*[([]\s*(complete|completed|done|in progress|blocked|failed|skipped|deferred)\s*[)\]]\s*$/i;

export function parsePlan(text: string, file: string): ParseResult {
  const source = new SourceMap(text);
  const diagnostics: Diagnostic[] = [];
  const report = makeReport(file, diagnostics);
  const { headings, fences, bodyStart } = scanSections(text);
  const plan: PlanDoc = { file, eol: detectEol(text), tasks: [] };

  const h1 = headings.find((heading) => heading.depth === 1);
  if (h1 !== undefined) plan.title = h1.text.replace(/^plan\s*:\s*/i, '').trim();
  const overviewIndex = headings.findIndex(
    (h) => h.depth === 2 && /^(overview|summary)\b/i.test(h.text),
  );
  const overview = headings[overviewIndex];
  if (overview !== undefined) {
    const end = headings[overviewIndex + 1]?.start ?? text.length;
    const body = text.slice(overview.next, end).trim();
    if (body.length > 0) plan.overview = body;
  }

  plan.tasks = readTasks({ source, headings, file, report, diagnostics });

  const declared = readDeclaredWaves(source, fences, bodyStart);
  if (declared.length > 0) plan.declaredWaves = declared;

  if (plan.tasks.length === 0) {
    report(
      'CCG101',
      'error',
      'No tasks found, expected headings like `### T1: Name` followed by a field list',
      source.span(0, Math.min(text.length, source.lineText(1).length)),
      'Start from the template: ccglm init TOPIC',
    );
  }
  return { plan, diagnostics };
}

/**
 * Reads one task (the first with `id`) without reading the others: one linear heading scan, then
 * remark on that task's field list only. For the write-back patcher, which edits one task at a time.
 */
export function parseTask(
  text: string,
  id: string,
  file = 'plan.md',
): { task: Task | undefined; diagnostics: Diagnostic[] } {
  const source = new SourceMap(text);
  const diagnostics: Diagnostic[] = [];
  const report = makeReport(file, diagnostics);
  const { headings } = scanSections(text);
  const tasks = readTasks({ source, headings, file, report, diagnostics, onlyId: id });
  return { task: tasks[0], diagnostics };
}

function makeReport(file: string, diagnostics: Diagnostic[]): Report {
  return (code, severity, message, span, hint) => {
    const diagnostic: Diagnostic = { code, severity, message, file, span, related: [] };
    if (hint !== undefined) diagnostic.hint = hint;
    diagnostics.push(diagnostic);
  };
}

interface ReadTasksOptions {
  source: SourceMap;
  headings: HeadingLine[];
  file: string;
  report: Report;
  diagnostics: Diagnostic[];
  /** Read only the task(s) with this id (the write-back patcher re-reads one task). */
  onlyId?: string;
}

function readTasks({
  source,
  headings,
  file,
  report,
  diagnostics,
  onlyId,
}: ReadTasksOptions): Task[] {
  const tasks: Task[] = [];
  // Pass 1: task headings and the block structure of their field lists.
  const candidates: {
    heading: HeadingLine;
    id: string;
    name: string;
    items: RawItem[] | undefined;
  }[] = [];
  headings.forEach((heading, index) => {
    if (heading.depth < 2 || heading.depth > 4) return;
    const match = TASK_HEADING.exec(heading.text.trim());
    const id = match?.[1];
    if (match === null || id === undefined || !isTaskId(id)) return;
    if (onlyId !== undefined && id !== onlyId) return;
    const sectionEnd = headings[index + 1]?.start ?? source.text.length;
    candidates.push({
      heading,
      id,
      name: match[2] ?? '',
      items: findFieldList(source, heading.next, sectionEnd),
    });
  });
  // Pass 2: every label line of the plan through remark in one parse.
  const labels = readLabels(
    source,
    candidates.flatMap((candidate) => candidate.items ?? []),
  );
  // Pass 3: tasks.
  const firstSeen = new Map<string, Task>();
  for (const { heading, id, name, items } of candidates) {
    const task =
      items === undefined ? undefined : readTask(heading, id, name, items, labels, source, report);
    if (task === undefined) {
      report(
        'CCG103',
        'info',
        `Heading \`${heading.text.trim()}\` looks like a task but no field list follows it; it is not read as a task`,
        source.span(heading.start, heading.end),
        'A task is a heading `ID: Name` followed by a list of `**field**: value` items.',
      );
      continue;
    }
    const first = firstSeen.get(task.id);
    if (first !== undefined) {
      diagnostics.push({
        code: 'CCG102',
        severity: 'error',
        message: `Duplicate task id \`${task.id}\`, expected each task id once`,
        file,
        span: task.headingSpan,
        related: [{ message: `\`${task.id}\` first defined here`, span: first.headingSpan }],
        hint: 'Rename one of the tasks (for example with a letter suffix: T5a).',
      });
    } else firstSeen.set(task.id, task);
    tasks.push(task);
  }

  return tasks;
}

function readTask(
  heading: HeadingLine,
  id: string,
  rawName: string,
  items: RawItem[],
  labels: Map<RawItem, Label>,
  source: SourceMap,
  report: Report,
): Task | undefined {
  if (!items.some((item) => labels.has(item))) return undefined;
  const statusInHeading = HEADING_STATUS.exec(rawName);
  const name = rawName.replace(HEADING_STATUS, '').replace(/[*_`]/g, '').trim();
  const headingSpan = source.span(heading.start, heading.end);
  const listEnd = items[items.length - 1]?.end ?? heading.end;
  const task: Task = {
    id,
    name,
    depth: heading.depth,
    headingSpan,
    span: source.span(heading.start, listEnd),
    dependsOn: null,
    location: null,
    status: 'Not Started',
    filesEdited: [],
    fields: [],
  };

  for (const item of items) {
    const field = readField(item, labels.get(item), source);
    if (field === undefined) continue;
    const duplicate = task.fields.find((other) => other.key === field.key);
    task.fields.push(field);
    if (duplicate !== undefined) {
      report(
        'CCG310',
        'warning',
        `Field \`${field.label}\` appears twice in ${id}, expected it once; the first one is used`,
        field.span,
      );
      continue;
    }
    applyField(task, field, source, report);
  }

  if (!task.fields.some((field) => field.key === 'status') && statusInHeading !== null) {
    const reading = readStatus(statusInHeading[1] ?? '');
    if (reading.ok) {
      task.status = reading.status;
      task.statusText = statusInHeading[1] ?? '';
    }
  }
  if (task.dependsOn === null)
    report(
      'CCG301',
      'error',
      `Task ${id} has no \`depends_on\` field, expected \`- **depends_on**: []\` (or the ids it needs)`,
      headingSpan,
      'Write `[]` for a task that needs nothing.',
    );
  if (task.description === undefined)
    report(
      'CCG302',
      'error',
      `Task ${id} has no \`description\` field, expected \`- **description**: what to do\``,
      headingSpan,
    );
  if (task.location === null)
    report(
      'CCG308',
      'warning',
      `Task ${id} has no \`location\` field: its scope and file overlaps with other tasks are unknown`,
      headingSpan,
      'List the files or folders the task may change.',
    );
  return task;
}

const BULLET = /^( {0,3})([-*+]|\d{1,9}[.)])(?:[ \t]+|$)/;

interface RawItem {
  start: number;
  /** Offset of the item's content (after the bullet marker). */
  contentStart: number;
  /** Offset past the item's last non-blank line. */
  end: number;
}

/**
 * The first list after the heading whose items are `**label**: value` fields. The list's block
 * structure (which lines belong to which item) comes from indentation; remark reads each item's
 * first line, where the label is. Long nested logs are never handed to remark, which keeps a
 * plan with long logs linear (micromark is quadratic in the lists of one document).
 */
function findFieldList(source: SourceMap, start: number, end: number): RawItem[] | undefined {
  let line = source.position(start).line;
  const lastLine = end >= source.text.length ? source.lineCount : source.position(end).line - 1;
  let items: RawItem[] = [];
  let indent = -1;
  let previousBlank = false;
  const finish = () => {
    const labelled = items.some((item) => LABEL_START.test(firstLineOf(source, item)));
    return labelled ? items : undefined;
  };
  for (; line <= lastLine; line += 1) {
    const text = source.lineText(line);
    const lineStart = source.lineStart(line);
    const blank = text.trim().length === 0;
    const bullet = BULLET.exec(text);
    const lead = text.length - text.trimStart().length;
    if (indent === -1) {
      if (bullet !== null) {
        indent = bullet[1]?.length ?? 0;
        items.push({
          start: lineStart,
          contentStart: lineStart + bullet[0].length,
          end: lineStart + text.length,
        });
      }
      previousBlank = blank;
      continue;
    }
    if (bullet !== null && (bullet[1]?.length ?? 0) === indent) {
      items.push({
        start: lineStart,
        contentStart: lineStart + bullet[0].length,
        end: lineStart + text.length,
      });
    } else if (!blank && lead <= indent && previousBlank) {
      // The list ended. A later list may still be the field list (a paragraph list came first).
      const found = finish();
      if (found !== undefined) return found;
      items = [];
      indent = -1;
      line -= 1;
      previousBlank = false;
      continue;
    } else if (!blank) {
      const last = items[items.length - 1];
      if (last !== undefined) last.end = lineStart + text.length;
    }
    previousBlank = blank;
  }
  return indent === -1 ? undefined : finish();
}

interface Label {
  label: string;
  /** Absolute offset just past the colon. */
  colonEnd: number;
}

const LABEL_START = /^\s*(\*\*|__)/;

function firstLineOf(source: SourceMap, item: RawItem): string {
  const lineEnd = source.text.indexOf('\n', item.contentStart);
  return source.text.slice(
    item.contentStart,
    lineEnd === -1 || lineEnd > item.end ? item.end : lineEnd,
  );
}

/**
 * Reads the labels of all items in one remark parse: each candidate first line becomes its own
 * paragraph of a small document, and positions map back through a table. One parse instead of
 * one per field, because building micromark's parser costs more than parsing a line.
 */
function readLabels(source: SourceMap, items: RawItem[]): Map<RawItem, Label> {
  const labels = new Map<RawItem, Label>();
  // micromark slows down superlinearly on one huge document too, so batch a few hundred lines.
  for (let from = 0; from < items.length; from += LABEL_BATCH) {
    readLabelBatch(source, items.slice(from, from + LABEL_BATCH), labels);
  }
  return labels;
}

const LABEL_BATCH = 200;

// `**depends_on**:` / `**Files Edited:**` — a bold run of plain label characters followed by a colon
// (inside or after it) is always strong emphasis in CommonMark, so the common case skips micromark.
// Anything else (nested markup, underscores in `__…__`, escapes) goes through remark.
const SIMPLE_LABEL =
  /^([ \t]*)\*\*([A-Za-z][A-Za-z0-9 _/()&.,-]*?[A-Za-z0-9)])(:?)\*\*([ \t]*[:：])?/;

function readSimpleLabel(line: string, at: number): Label | undefined {
  const match = SIMPLE_LABEL.exec(line);
  if (match === null) return undefined;
  const [all, , label = '', inner, after] = match;
  if (inner === '' && after === undefined) return undefined;
  return { label: label.trim(), colonEnd: at + all.length };
}

function readLabelBatch(source: SourceMap, items: RawItem[], labels: Map<RawItem, Label>): void {
  // combined-document offset of each paragraph -> its item and the shift back to the plan
  const starts = new Map<number, { item: RawItem; shift: number }>();
  const parts: string[] = [];
  let length = 0;
  for (const item of items) {
    const raw = firstLineOf(source, item).replace(/\r$/, '');
    if (!LABEL_START.test(raw)) continue;
    const simple = readSimpleLabel(raw, item.contentStart);
    if (simple !== undefined) {
      labels.set(item, simple);
      continue;
    }
    const line = raw.trimStart();
    starts.set(length, { item, shift: item.contentStart + (raw.length - line.length) - length });
    parts.push(line);
    length += line.length + 2;
  }
  if (parts.length === 0) return;
  const tree = processor.parse(parts.join('\n\n')) as Root;
  for (const paragraph of tree.children) {
    if (paragraph.type !== 'paragraph' || paragraph.position === undefined) continue;
    const entry = starts.get(paragraph.position.start.offset ?? 0);
    if (entry === undefined) continue;
    const { item, shift } = entry;
    const [first, second] = paragraph.children;
    if (first?.type !== 'strong' || first.position === undefined) continue;
    const label = first.children.map((child) => ('value' in child ? child.value : '')).join('');
    if (/[:：]\s*$/.test(label)) {
      labels.set(item, {
        label: label.replace(/[:：]\s*$/, '').trim(),
        colonEnd: shift + (first.position.end.offset ?? 0),
      });
    } else if (second?.type === 'text' && second.position !== undefined) {
      const colon = /^\s*[:：]/.exec(second.value);
      if (colon !== null)
        labels.set(item, {
          label: label.trim(),
          colonEnd: shift + (second.position.start.offset ?? 0) + colon[0].length,
        });
    }
  }
}

function readField(item: RawItem, label: Label | undefined, source: SourceMap): Field | undefined {
  if (label === undefined) return undefined;
  const raw = source.text.slice(label.colonEnd, item.end);
  const { key } = canonicalKey(label.label);
  return {
    key,
    label: label.label,
    value: plainValue(raw),
    span: source.span(item.start, item.end),
    valueSpan: source.span(label.colonEnd, item.end),
  };
}

const STATUS_WORDS = 'Not Started, In Progress, Completed, Failed, Blocked, Skipped';

function applyField(task: Task, field: Field, source: SourceMap, report: Report): void {
  const raw = source.text.slice(field.valueSpan.start.offset, field.valueSpan.end.offset);
  const at = field.valueSpan.start.offset;
  switch (field.key) {
    case 'depends_on':
      task.dependsOn = readDependencies(raw, at, source, report);
      return;
    case 'repo':
      if (!isPlaceholder(field.value)) task.repo = field.value.replace(/^\[|\]$/g, '').trim();
      return;
    case 'description':
      task.description = field.value;
      return;
    case 'validation':
      task.validation = field.value;
      return;
    case 'log':
      if (!isPlaceholder(field.value)) task.log = field.value;
      return;
    case 'files_edited':
      task.filesEdited = readPaths(raw, at, source).map((entry) => entry.path);
      return;
    case 'location':
      task.location = readPaths(raw, at, source);
      for (const entry of task.location) {
        const problem = checkRepoPath(entry.path);
        if (problem === 'absolute')
          report(
            'CCG306',
            'error',
            `Location \`${entry.path}\` is an absolute path, expected a path relative to the repository`,
            entry.span,
            'Agents work in their own worktree; write the path from the repository root.',
          );
        else if (problem === 'escapes')
          report(
            'CCG307',
            'error',
            `Location \`${entry.path}\` climbs out of the repository with \`..\`, expected a path inside it`,
            entry.span,
          );
      }
      return;
    case 'status': {
      const reading = readStatus(field.value);
      const lead = raw.length - raw.trimStart().length;
      const firstLine = raw.trimStart().split(/\r?\n/)[0] ?? '';
      const valueSpan = source.span(at + lead, at + lead + firstLine.trimEnd().length);
      if (!reading.ok) {
        report(
          'CCG303',
          'error',
          `Unknown status \`${field.value.split('\n')[0]}\`, expected one of ${STATUS_WORDS}`,
          valueSpan,
        );
        return;
      }
      task.status = reading.status;
      if (field.value !== reading.status) task.statusText = field.value;
      if (reading.note !== undefined) task.statusNote = reading.note;
      if (!reading.canonical)
        report(
          'CCG304',
          'warning',
          `Status \`${reading.word}\` read as \`${reading.status}\`, expected one of ${STATUS_WORDS}`,
          valueSpan,
          `Write \`${reading.status}\` to silence this.`,
        );
      return;
    }
    default:
      if (!canonicalKey(field.label).known)
        report(
          'CCG309',
          'info',
          `Unknown field \`${field.label}\` in ${task.id}, kept as written`,
          field.span,
        );
  }
}
