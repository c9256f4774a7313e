/**
 * The run's event record: every event of every run of a plan but the agents' output lines, one JSON
 * line each, appended beside the plan's run state (`<plan>-<hash>.events.jsonl`, see plan-home.ts).
 * `ccglm status`, `ccglm report` and the live view's ETA read it back; each line is checked when
 * read (a line cut short by a crash, or from another version, is skipped and counted).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { RunEvent } from '../run/events.js';

export type RecordedEvent = Exclude<RunEvent, { type: 'task.output' }>;

/** The event record beside a run state file. */
export function eventsFileOf(stateFile: string): string {
  return stateFile.replace(/\.state\.json$/, '') + '.events.jsonl';
}

/** An emit hook that appends each event to `file`; a write that fails loses that line, never the run. */
export function recordEvents(file: string): (event: RunEvent) => void {
  return (event) => {
    if (event.type === 'task.output') return;
    try {
      appendFileSync(file, `${JSON.stringify(event)}\n`);
    } catch {
      // the record is for the report: a full disk must not stop the run
    }
  };
}

type Check = (value: unknown) => boolean;
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const str: Check = (v) => typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const strings: Check = (v) => Array.isArray(v) && v.every(str);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const status: Check = (v) => v === 'Completed' || v === 'Failed' || v === 'Blocked';
const edges: Check = (v) =>
  Array.isArray(v) &&
  v.every((e) => typeof e === 'object' && e !== null && str(e.from) && str(e.to));

/** The fields each recorded event type must have (extra fields are allowed: newer versions add some). */
const shapes: Record<RecordedEvent['type'], Record<string, Check>> = {
  'run.start': {
    plan: str,
    tasks: strings,
    waves: (v) => Array.isArray(v) && v.every(strings),
    strategy: str,
    concurrency: (v) => v === null || num(v),
    resume: bool,
    edges: optional(edges),
    pending: optional(strings),
  },
  'task.launch': { id: str },
  'task.exit': { id: str, exitCode: num },
  'task.start': {
    id: str,
    wave: num,
    job: str,
    worktree: str,
    branch: str,
    attempt: num,
    adopted: optional(bool),
    mergeRetry: optional(bool),
  },
  'task.restart': { id: str, job: str, reason: str, attempt: num },
  'task.end': {
    id: str,
    status,
    reason: optional(str),
    exitCode: optional(num),
    durationMs: optional(num),
    commits: optional(strings),
    filesEdited: optional(strings),
  },
  'run.throttle': { concurrency: num, until: optional(num), reason: str },
  'run.signal': { signal: str, detach: bool, force: optional(bool) },
  'run.end': {
    exitCode: num,
    completed: num,
    failed: num,
    blocked: num,
    skipped: num,
    notStarted: num,
    durationMs: num,
  },
};

/** One line as an event, or undefined when it is not one this version knows. */
export function parseRecordedEvent(line: string): RecordedEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const type = record['type'];
  if (typeof type !== 'string' || !Object.hasOwn(shapes, type) || !num(record['t']))
    return undefined;
  const shape = shapes[type as RecordedEvent['type']];
  for (const [key, check] of Object.entries(shape)) if (!check(record[key])) return undefined;
  // JSON has no Infinity: an unlimited concurrency was written as null.
  if (type === 'run.start' && record['concurrency'] === null) record['concurrency'] = Infinity;
  return record as unknown as RecordedEvent;
}

export interface EventRecord {
  /** Every run's events, oldest run first (a run begins at its run.start). */
  runs: RecordedEvent[][];
  /** Lines that were not events (cut short, or unknown). */
  skipped: number;
}

export function parseEventRecord(text: string): EventRecord {
  const runs: RecordedEvent[][] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const event = parseRecordedEvent(line);
    if (event === undefined) {
      skipped += 1;
      continue;
    }
    if (event.type === 'run.start' || runs.length === 0) runs.push([]);
    runs[runs.length - 1]?.push(event);
  }
  return { runs, skipped };
}

/** The record at `file` (none: no run). */
export function readEventRecord(file: string): EventRecord {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { runs: [], skipped: 0 };
  }
  return parseEventRecord(text);
}

/**
 * How long each task's agent took in the runs recorded (the latest completed one wins): what the
 * ETA expects of a task this run has not finished yet.
 */
export function durationsOf(runs: RecordedEvent[][]): Map<string, number> {
  const durations = new Map<string, number>();
  for (const events of runs)
    for (const event of events)
      if (
        event.type === 'task.end' &&
        event.status === 'Completed' &&
        event.durationMs !== undefined
      )
        durations.set(event.id, event.durationMs);
  return durations;
}
