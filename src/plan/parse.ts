/**
 * The tolerant reader: plan markdown -> PlanDoc with source spans, plus diagnostics. Pure.
 *
 * The markdown tree decides (markdown.ts): tasks are top-level headings `ID: Name`, fields are the
 * items of the first list after the heading whose items start with a label. Text is taken from
 * the source as written (names keep their underscores and code), so spans and the write-back
 * patcher point at exact bytes. What the reader accepts in other words than the canonical ones
 * (status variants, unbolded labels, `T3 - Name` headings, absolute paths inside a known
 * repository) is reported once per plan as information, with the fixes `ccglm validate --fix` applies.
 */
import path from 'node:path';
import type { Heading, List, ListItem, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { Diagnostic, Field, PlanDoc, Task } from './types.js';
import { detectEol, SourceMap } from './source.js';
import {
  offsetOf,
  parseBlocks,
  nodesOfType,
  parseInline,
  sourceOf,
  type MarkdownOptions,
} from './markdown.js';
import { canonicalKey, isPlaceholder, isTaskId, readStatus, TASK_ID_SOURCE } from './values.js';
import { checkRepoPath, plainValue, readDependencies, readPaths, type Report } from './fields.js';
import { readDeclaredWaves } from './wave-table.js';
import { detailsSpans } from './details.js';
import { closest } from '../closest.js';
import { Notes } from './notes.js';

export interface ParseResult {
  plan: PlanDoc;
  diagnostics: Diagnostic[];
}

export interface ParseOptions extends MarkdownOptions {
  /** Absolute paths of repositories the plan's tasks work in: absolute locations inside them are read as relative. */
  repoRoots?: string[];
  /**
   * The declared targets (ccglm.config.json) by name, and the file that declares them: a task's
   * `target` is checked against them. Not given: `target` is read, not checked.
   */
  targets?: { names: ReadonlyMap<string, { enabled: boolean }>; file?: string };
}

/** `T1: Name`, `**T1**: Name`, `T3 - Name`, `T3. Name`, `Task 3: Name`: the id, the separator, the name. */
const TASK_LIKE = new RegExp(
  `^(?:\\*\\*|__|\`)?((?:task|step)\\s+\\d+[A-Za-z]?|${TASK_ID_SOURCE})(?:\\*\\*|__|\`)?` +
    `(\\s*[:：]|\\s+[-—–]\\s|\\s*[.)](?=\\s))\\s*(.*)$`,
  'is',
);
const HEADING_STATUS =
  /\s*[([]\s*(complete|completed|done|in progress|blocked|failed|skipped|deferred)\s*[)\]]\s*$/i;

export function parsePlan(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const source = new SourceMap(text);
  const diagnostics: Diagnostic[] = [];
  const blocks = parseBlocks(text, options);
  const plan: PlanDoc = { file, eol: detectEol(text), tasks: [] };

  const headings = blocks.filter((block): block is Heading => block.type === 'heading');
  const h1 = headings.find((heading) => heading.depth === 1);
  if (h1 !== undefined)
    plan.title = headingText(text, h1)
      .replace(/^plan\s*:\s*/i, '')
      .trim();
  const overview = headings.find(
    (h) => h.depth === 2 && /^(overview|summary)\b/i.test(headingText(text, h)),
  );
  if (overview !== undefined) {
    const next = headings[headings.indexOf(overview) + 1];
    const end = next === undefined ? text.length : offsetOf(next, 'start');
    const body = text.slice(offsetOf(overview, 'end'), end).trim();
    if (body.length > 0) plan.overview = body;
  }

  plan.tasks = readTasks({
    text,
    source,
    blocks,
    file,
    diagnostics,
    roots: options.repoRoots ?? [],
    ...(options.targets !== undefined ? { targets: options.targets } : {}),
  });

  for (const [start, end] of detailsSpans(blocks))
    for (const task of plan.tasks.filter(
      (t) => t.span.start.offset > start && t.span.start.offset < end,
    ))
      push(diagnostics, file, {
        code: 'CCG107',
        severity: 'warning',
        message: `Task ${task.id} is inside a \`<details>\` block: shown collapsed, but read as a task, and a run runs it unless its status is Completed or Skipped`,
        span: task.headingSpan,
        hint: 'To keep it from running, set its status to Skipped or put it in an HTML comment (<!-- … -->); else move it out of <details>.',
      });

  const declared = readDeclaredWaves(source, blocks);
  if (declared.length > 0) plan.declaredWaves = declared;

  if (plan.tasks.length === 0) {
    push(diagnostics, file, {
      code: 'CCG101',
      severity: 'error',
      message: 'No tasks found, expected headings like `### T1: Name` followed by a field list',
      span: source.span(0, Math.min(text.length, source.lineText(1).length)),
      hint: 'Start from the template: ccglm init TOPIC',
    });
  }
  diagnostics.sort((a, b) => a.span.start.offset - b.span.start.offset);
  return { plan, diagnostics };
}

function push(
  diagnostics: Diagnostic[],
  file: string,
  d: Omit<Diagnostic, 'file' | 'related'>,
): void {
  diagnostics.push({ ...d, file, related: [] });
}

interface ReadContext {
  text: string;
  source: SourceMap;
  blocks: RootContent[];
  file: string;
  diagnostics: Diagnostic[];
  roots: string[];
  targets?: ParseOptions['targets'];
}

/** The heading's own text as written (no `#`s), without markup that wraps all of it (`**T1: Name**`). */
function headingText(text: string, heading: Heading): string {
  const first = heading.children[0];
  const last = heading.children[heading.children.length - 1];
  if (first === undefined || last === undefined) return '';
  const written = text.slice(offsetOf(first, 'start'), offsetOf(last, 'end')).trim();
  return /^(\*\*|__)(?!.*\1.+\1$).+\1$/s.test(written) ? written.slice(2, -2).trim() : written;
}

function readTasks(context: ReadContext): Task[] {
  const { text, source, blocks, file, diagnostics } = context;
  const report: Report = (code, severity, message, span, hint) =>
    push(
      diagnostics,
      file,
      hint === undefined
        ? { code, severity, message, span }
        : { code, severity, message, span, hint },
    );
  const notes = new Notes();
  const tasks: Task[] = [];
  const firstSeen = new Map<string, Task>();
  /** Field lists a task-like heading took (read, or named in its diagnostic). */
  const claimed = new Set<List>();
  blocks.forEach((block, index) => {
    if (block.type !== 'heading' || block.depth === 1) return;
    const written = headingText(text, block);
    const match = TASK_LIKE.exec(written);
    if (match === null) return;
    const [, idText = '', separator = '', rawName = ''] = match;
    const headingSpan = source.span(offsetOf(block, 'start'), offsetOf(block, 'end'));
    const found = findFieldList(text, blocks, index);
    if (found !== undefined) claimed.add(found.list);
    const items = found?.items;
    const shown = `\`${written.split(/\r?\n/)[0]}\``;
    if (items === undefined) {
      // A tab (or 4 spaces) before each `- **field**:` makes the list an indented code block.
      const next = blocks[index + 1];
      if (
        next?.type === 'code' &&
        next.lang == null &&
        /^\s*[-*+]\s+\*\*[^*]+\*\*\s*:?/m.test(next.value)
      ) {
        report(
          'CCG108',
          'warning',
          `Heading ${shown} looks like a task, but its field list is indented (a tab or 4 spaces): markdown reads it as a code block, so it is not read as a task`,
          headingSpan,
          'Start each `- **field**: value` line at the left margin.',
        );
        return;
      }
      report(
        'CCG103',
        'info',
        `Heading ${shown} looks like a task but no field list follows it; it is not read as a task`,
        headingSpan,
        'A task is a heading `ID: Name` followed by a list of `**field**: value` items.',
      );
      return;
    }
    if (!isTaskId(idText) || /\s/.test(idText)) {
      const suggestion = `T${idText.replace(/\D+/g, '')}`;
      report(
        'CCG104',
        'error',
        `Heading ${shown} is not read as a task: \`${idText}\` is not a task id, expected \`${'#'.repeat(block.depth)} ${suggestion}: ${rawName.trim()}\``,
        headingSpan,
        'A task id is one word with a digit, such as T1, T2a, T1.2 or API-3.',
      );
      return;
    }
    if (block.depth > 4) {
      report(
        'CCG104',
        'error',
        `Heading ${shown} is not read as a task: it is a level-${block.depth} heading, expected a task heading of level 2 to 4 (\`### ${idText}: …\`)`,
        headingSpan,
      );
      return;
    }
    if (!/^\s*[:：]$/.test(separator)) {
      const line = sourceOf(text, block);
      const at =
        offsetOf(block, 'start') + line.indexOf(separator, line.indexOf(idText) + idText.length);
      const shownSeparator = /[-—–]/.test(separator) ? ` ${separator.trim()}` : separator.trim();
      notes.add('separator', `\`${idText}${shownSeparator}\``, headingSpan, {
        span: source.span(at, at + separator.length),
        text: /\s$/.test(separator) ? ': ' : ':',
      });
    }
    const task = readTask(block, idText, rawName, items, context, report, notes);
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
  });
  reportOrphanFieldLists(context, claimed, report);
  diagnostics.push(...notes.diagnostics(file));
  return tasks;
}

/**
 * A task's field list (`depends_on`, or `location` and `description`) that no task heading took:
 * the heading above it is not `ID: Name` (`### [T2] Name`, `### T2 Name`, `**T2: Name**`), so the
 * task would vanish. Named at the list, with what stands above it.
 */
function reportOrphanFieldLists(context: ReadContext, claimed: Set<List>, report: Report): void {
  const { text, source, blocks } = context;
  blocks.forEach((block, index) => {
    if (block.type !== 'list' || claimed.has(block)) return;
    const keys = new Set(
      block.children.flatMap((item) => {
        const label = readItem(text, item).label;
        return label === undefined ? [] : [canonicalKey(label.label).key];
      }),
    );
    if (!keys.has('depends_on') && !(keys.has('location') && keys.has('description'))) return;
    const above = blocks[index - 1];
    const aboveText =
      above === undefined
        ? 'the start of the plan'
        : `\`${sourceOf(text, above).split(/\r?\n/)[0]?.trim().slice(0, 60) ?? ''}\``;
    report(
      'CCG106',
      'error',
      `A task's field list (${[...keys].join(', ')}) follows ${aboveText}, which is not a task heading; it is not read as a task, expected a heading \`### ID: Name\` right above it`,
      source.span(offsetOf(block, 'start'), offsetOf(block.children[0] ?? block, 'end')),
      'A task heading is `### T2: Name` (an id such as T2, T1.2 or API-3, a colon, the name).',
    );
  });
}

interface RawItem {
  start: number;
  end: number;
  label?: { label: string; colonEnd: number; bold: boolean; span: [number, number] };
  /** HTML (comments) inside the item, blanked out of its value. */
  hidden: [number, number][];
}

/** The first list after the heading (before the next heading) whose items start with a label. */
function findFieldList(
  text: string,
  blocks: RootContent[],
  headingIndex: number,
): { list: List; items: RawItem[] } | undefined {
  for (let i = headingIndex + 1; i < blocks.length; i += 1) {
    const block = blocks[i] as RootContent;
    if (block.type === 'heading') return undefined;
    if (block.type !== 'list') continue;
    const items = block.children.map((item) => readItem(text, item));
    if (items.some((item) => item.label !== undefined)) return { list: block, items };
  }
  return undefined;
}

const PLAIN_LABEL = /^([A-Za-z][A-Za-z0-9 _/&-]{0,40}?)[ \t]*[:：]/;

// `**depends_on**:` / `**Files Edited:**`: a bold run of plain label characters followed by a colon
// (inside or after it) at the start of a paragraph is always strong emphasis in CommonMark, so the
// common case needs no inline parse; anything else goes through remark with inline markup.
const SIMPLE_LABEL =
  /^\*\*([A-Za-z][A-Za-z0-9 _/()&.,-]*?[A-Za-z0-9)])(:?)\*\*(?=[\s:：]|$)([ \t]*[:：])?/;

/** A list item: its extent, its label (read from its first line), the HTML inside it. */
function readItem(text: string, item: ListItem): RawItem {
  const start = offsetOf(item, 'start');
  const end = offsetOf(item, 'end');
  const raw: RawItem = { start, end, hidden: hiddenIn(text, start, end) };
  const paragraph = item.children[0];
  if (paragraph?.type !== 'paragraph') return raw;
  const at = offsetOf(paragraph, 'start');
  const lineEnd = text.indexOf('\n', at);
  const line = text.slice(at, lineEnd === -1 || lineEnd > end ? end : lineEnd).replace(/\r$/, '');
  const label = /^(\*\*|__)/.test(line) ? boldLabel(text, at, line) : plainLabel(line, at);
  if (label !== undefined) raw.label = label;
  return raw;
}

function plainLabel(line: string, at: number): RawItem['label'] {
  const plain = PLAIN_LABEL.exec(line);
  const label = plain?.[1];
  if (plain === null || label === undefined || !canonicalKey(label).known) return undefined;
  return { label, colonEnd: at + plain[0].length, bold: false, span: [at, at + label.length] };
}

function boldLabel(text: string, at: number, line: string): RawItem['label'] {
  const simple = SIMPLE_LABEL.exec(line);
  if (simple !== null) {
    const [all, label = '', inner, after] = simple;
    if (inner === '' && after === undefined) return undefined;
    const boldEnd = at + all.length - (after?.length ?? 0);
    return { label: label.trim(), colonEnd: at + all.length, bold: true, span: [at, boldEnd] };
  }
  const first = parseInline(text, at, at + line.length)[0];
  if (first?.type !== 'paragraph') return undefined;
  const [strong, next] = first.children;
  if (strong?.type !== 'strong') return undefined;
  const label = toString(strong);
  const span: [number, number] = [offsetOf(strong, 'start'), offsetOf(strong, 'end')];
  if (/[:：]\s*$/.test(label))
    return { label: label.replace(/[:：]\s*$/, '').trim(), colonEnd: span[1], bold: true, span };
  const colon = next?.type === 'text' ? /^\s*[:：]/.exec(next.value) : null;
  if (colon === null || next === undefined) return undefined;
  return {
    label: label.trim(),
    colonEnd: offsetOf(next, 'start') + colon[0].length,
    bold: true,
    span,
  };
}

/** HTML (comments) inside an item, read with inline markup; only an item with a `<` can have any. */
function hiddenIn(text: string, start: number, end: number): [number, number][] {
  if (!text.slice(start, end).includes('<')) return [];
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return parseInline(text, lineStart, end)
    .flatMap((node) => nodesOfType(node, 'html'))
    .map((node) => [offsetOf(node, 'start'), offsetOf(node, 'end')]);
}

/** The value's source text with HTML inside the item blanked (same length: offsets stay true). */
function valueText(text: string, item: RawItem, from: number): string {
  let value = text.slice(from, item.end);
  for (const [start, end] of item.hidden) {
    const a = Math.max(start, from) - from;
    const b = Math.min(end, item.end) - from;
    if (b > a)
      value = value.slice(0, a) + value.slice(a, b).replace(/[^\r\n]/g, ' ') + value.slice(b);
  }
  return value;
}

function readTask(
  heading: Heading,
  id: string,
  rawName: string,
  items: RawItem[],
  context: ReadContext,
  report: Report,
  notes: Notes,
): Task {
  const { text, source } = context;
  const statusInHeading = HEADING_STATUS.exec(rawName);
  const name = rawName.replace(HEADING_STATUS, '').trim();
  const headingSpan = source.span(offsetOf(heading, 'start'), offsetOf(heading, 'end'));
  const listEnd = items[items.length - 1]?.end ?? offsetOf(heading, 'end');
  const task: Task = {
    id,
    name,
    depth: heading.depth,
    headingSpan,
    span: source.span(offsetOf(heading, 'start'), listEnd),
    dependsOn: null,
    location: null,
    status: 'Not Started',
    filesEdited: [],
    fields: [],
  };

  for (const item of items) {
    const label = item.label;
    if (label === undefined) continue;
    const raw = valueText(text, item, label.colonEnd);
    const { key } = canonicalKey(label.label);
    const field: Field = {
      key,
      label: label.label,
      value: plainValue(raw),
      span: source.span(item.start, item.end),
      valueSpan: source.span(label.colonEnd, item.end),
    };
    if (!label.bold)
      notes.add('label', `\`${label.label}\``, field.span, {
        span: source.span(label.span[0], label.span[1]),
        text: `**${label.label}**`,
      });
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
    applyField(task, field, raw, context, report, notes);
  }

  if (!task.fields.some((field) => field.key === 'status') && statusInHeading !== null) {
    const reading = readStatus(statusInHeading[1] ?? '');
    if (reading.ok) {
      task.status = reading.status;
      task.statusText = statusInHeading[1] ?? '';
    }
  }
  checkLocations(task, context, report, notes);
  // A missing field's label written with a typo (`decription`): named in the hint.
  const misspelt = (key: string) => {
    const unknown = task.fields.filter((field) => !canonicalKey(field.label).known);
    const near = closest(
      key,
      unknown.map((field) => field.key),
    );
    const field = unknown.find((candidate) => candidate.key === near);
    return field === undefined
      ? undefined
      : `Its field \`${field.label}\` is not one ccglm knows: did you mean \`${key}\`?`;
  };
  if (task.dependsOn === null)
    report(
      'CCG301',
      'error',
      `Task ${id} has no \`depends_on\` field, expected \`- **depends_on**: []\` (or the ids it needs)`,
      headingSpan,
      misspelt('depends_on') ?? 'Write `[]` for a task that needs nothing.',
    );
  if (task.description === undefined)
    report(
      'CCG302',
      'error',
      `Task ${id} has no \`description\` field, expected \`- **description**: what to do\``,
      headingSpan,
      misspelt('description'),
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

const STATUS_WORDS = 'Not Started, In Progress, Completed, Failed, Blocked, Skipped';

function applyField(
  task: Task,
  field: Field,
  raw: string,
  context: ReadContext,
  report: Report,
  notes: Notes,
): void {
  const { source } = context;
  const at = field.valueSpan.start.offset;
  switch (field.key) {
    case 'depends_on':
      task.dependsOn = readDependencies(raw, at, source, report);
      return;
    case 'repo':
      if (isPlaceholder(field.value)) return;
      task.repo = field.value.replace(/^\[|\]$/g, '').trim();
      // `api, web`: a task works in one repository (its worktree, its branch, its merge).
      if (/[,;]|\s(and|&)\s/.test(task.repo))
        report(
          'CCG314',
          'error',
          `Task ${task.id} names several repositories (\`${task.repo}\`), expected one: a task runs in one repository`,
          field.valueSpan,
          'Split it into one task per repository, the later ones depending on the first.',
        );
      return;
    case 'target':
      readTarget(task, field, context, report);
      return;
    case 'description':
      task.description = plainValue(raw, true);
      checkTemplateText(field, raw, source, report);
      return;
    case 'validation':
      task.validation = plainValue(raw, true);
      checkTemplateText(field, raw, source, report);
      return;
    case 'log':
      if (!isPlaceholder(field.value)) task.log = field.value;
      return;
    case 'files_edited':
      task.filesEdited = readPaths(raw, at, source).map((entry) => entry.path);
      return;
    case 'location':
      task.location = readPaths(raw, at, source);
      return;
    case 'status': {
      const reading = readStatus(field.value);
      const lead = raw.length - raw.trimStart().length;
      const firstLine = raw.trimStart().split(/\r?\n/)[0] ?? '';
      const valueSpan = source.span(at + lead, at + lead + firstLine.trimEnd().length);
      if (!reading.ok) {
        const near = closest(field.value.split('\n')[0] ?? '', STATUS_WORDS.split(', '));
        report(
          'CCG303',
          'error',
          `Unknown status \`${field.value.split('\n')[0]}\`, expected one of ${STATUS_WORDS}`,
          valueSpan,
          near !== undefined ? `Did you mean \`${near}\`?` : undefined,
        );
        return;
      }
      task.status = reading.status;
      if (field.value !== reading.status) task.statusText = field.value;
      if (reading.note !== undefined) task.statusNote = reading.note;
      if (!reading.canonical) {
        const wordAt = at + lead + firstLine.indexOf(reading.word);
        notes.add('status', `\`${reading.word}\` → ${reading.status}`, valueSpan, {
          span: source.span(wordAt, wordAt + reading.word.length),
          text: reading.status,
        });
      }
      return;
    }
    default:
      if (!canonicalKey(field.label).known) notes.add('unknown', `\`${field.label}\``, field.span);
  }
}

/** `[describe …]`: the `ccglm init` template's text, not edited; such a plan must not run. */
function checkTemplateText(
  field: Field,
  raw: string,
  source: ReadContext['source'],
  report: Report,
): void {
  const text = raw.trimStart().split(/\r?\n/)[0]?.trimEnd() ?? '';
  if (!/^\[describe\b/i.test(text)) return;
  const at = field.valueSpan.start.offset + raw.length - raw.trimStart().length;
  report(
    'CCG313',
    'error',
    `Placeholder left in the plan: \`${field.label}\` is still the template's \`${text}\``,
    source.span(at, at + text.length),
    'Replace it with what the task is to do (or how to check it).',
  );
}

/** `path/to/file1`: the template's example locations. */
const TEMPLATE_LOCATION = /^path\/to\/file\d*$/;

/** Absolute locations inside a known repository become relative (info + fix); others are errors. */
function checkLocations(task: Task, context: ReadContext, report: Report, notes: Notes): void {
  const roots = [...context.roots];
  if (task.repo !== undefined && task.repo.startsWith('/')) roots.push(task.repo);
  for (const entry of task.location ?? []) {
    if (TEMPLATE_LOCATION.test(entry.path))
      report(
        'CCG313',
        'error',
        `Placeholder left in the plan: location \`${entry.path}\` is the template's example`,
        entry.span,
        'List the files or folders the task may change.',
      );
    const problem = checkRepoPath(entry.path);
    if (problem === 'absolute') {
      // `/repo/src/../../etc/x` is not inside `/repo`: compare the normalised path.
      const absolute = path.posix.normalize(entry.path);
      const root = roots
        .map((r) => path.posix.normalize(r).replace(/\/+$/, ''))
        .find((r) => absolute === r || absolute.startsWith(`${r}/`));
      if (root !== undefined) {
        const relative = absolute.slice(root.length).replace(/^\/+/, '') || '.';
        notes.add('absolute', `\`${entry.path}\``, entry.span, {
          span: entry.span,
          text: relative,
        });
        entry.path = relative;
        continue;
      }
      report(
        'CCG306',
        'error',
        roots.length === 0
          ? `Location \`${entry.path}\` is an absolute path and no repository was found for this plan, expected a path relative to the repository`
          : `Location \`${entry.path}\` is an absolute path outside the task's repository (${roots.join(', ')}), expected a path relative to the repository`,
        entry.span,
        roots.length === 0
          ? "Agents work in their own worktree; write the path from the repository root (an absolute path inside the repository the plan is in, or the task's absolute `repo`, is read as relative)."
          : 'Agents work in their own worktree; write the path from the repository root.',
      );
    } else if (problem === 'escapes')
      report(
        'CCG307',
        'error',
        `Location \`${entry.path}\` climbs out of the repository with \`..\`, expected a path inside it`,
        entry.span,
      );
  }
}

/** `target: macmini`: where the task runs; checked against the declared targets when known. */
function readTarget(task: Task, field: Field, context: ReadContext, report: Report): void {
  if (isPlaceholder(field.value)) return;
  const name = field.value.replace(/[`[\]]/g, '').trim();
  if (name === '') return;
  const lead = field.valueSpan.start.offset + Math.max(0, field.value.indexOf(name));
  const span = context.source.span(lead, lead + name.length);
  task.target = name;
  task.targetSpan = span;
  const { targets } = context;
  if (targets === undefined || name === 'local') return;
  const where = targets.file ?? 'ccglm.config.json';
  const declared = targets.names.get(name);
  if (declared === undefined)
    report(
      'CCG320',
      'error',
      `Unknown target \`${name}\`; ${targets.names.size > 0 ? `${where} declares: local, ${[...targets.names.keys()].join(', ')}` : `no ${targets.file ?? 'ccglm.config.json'} declares targets`}`,
      span,
      'Declare it under "targets" in ccglm.config.json (see `ccglm targets`), or write `local`.',
    );
  else if (!declared.enabled)
    report(
      'CCG321',
      'error',
      `Target \`${name}\` is disabled in ${where} until its gate passes`,
      span,
      `Run \`ccglm targets check ${name}\` to see the gate's state; validate accepts the task once the gate passes.`,
    );
}
