/**
 * Write-back: every write re-reads the plan, patches what is there now (a person may be editing
 * other parts of it) and replaces the file atomically (temp file, fsync, rename). Writes are
 * serialised; the edits that arrive while a write is under way, or within the gap after the last
 * write's start, go out together in the next write (the latest value of each field wins, as if
 * applied one by one), so a burst of task events costs one rewrite, not one per event. The gap is
 * 250 ms, or ten times the last write's length (at most 3 s): each write parses the whole plan, and
 * on a 100-task run on 2 cores writing was half of the run's own CPU (4.4 of 8.7 s) before the gap.
 * Edits that something waits for go out at once (`hurry`: a task's end waits for its start to be
 * written), and so do all once the run flushes (it is ending).
 *
 * Each write sets every value this run has recorded, not only the new ones: a plan saved from an
 * editor's stale buffer (opened before the run) gets them back at the next write, and the final
 * write (flush) puts back whatever such a save took away. A person's save while a write is being
 * made is never overwritten: the write is made again on it, and when the plan keeps changing the
 * write is left to the next one.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { open, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { processStartTime } from './lock.js';
import { patchPlan, PatchError, type LogOf } from '../plan/patch.js';
import type { Task, TaskEdit } from '../plan/types.js';
import { logLines } from '../plan/values.js';
import { NOTE } from './task-log.js';

/** The least time between the starts of two writes of the plan (ms). */
export const PLAN_WRITE_GAP_MS = 250;
/** Writing takes at most a tenth of the time: the gap is at least ten times the last write's length. */
const WRITE_SHARE = 10;
/** ...but never more than this (ms): a huge plan's status still shows within seconds. */
const MAX_GAP_MS = 3000;

export interface PlanWriterOptions {
  /** The least time between the starts of two writes (ms); default PLAN_WRITE_GAP_MS. */
  gapMs?: number;
  now?: () => number;
  /** Calls `done` after `ms`; returns what cancels it. */
  timer?: (done: () => void, ms: number) => () => void;
  /** Reads the plan (tests see each read). */
  read?: (file: string) => Promise<string>;
  /** The plan's size (bytes) as its reader last saw it (see `still`). */
  size?: number;
  /** Waits `ms` while a person's save may be under way (see `still`; tests see each wait). */
  pause?: (ms: number) => Promise<void>;
  /** Each task's log as the run read the plan: its lines are the run's to replace, not notes. */
  startLogs?: Map<string, string | undefined>;
}

const realTimer = (done: () => void, ms: number) => {
  const handle = setTimeout(done, ms);
  return () => clearTimeout(handle);
};

export class PlanWriter {
  /** Every value this run has set, per task (the latest of each field). */
  private readonly recorded = new Map<string, TaskEdit>();
  /**
   * Edits of tasks the plan did not have when last written (a save under way, or a task removed):
   * tried again by the final write, and said then if the task is still not there.
   */
  private readonly missing = new Map<string, TaskEdit>();
  /** The plan's size when last read or written here (bytes; -1: not known). */
  private size: number;
  private readonly gapMs: number;
  private readonly now: () => number;
  private readonly timer: NonNullable<PlanWriterOptions['timer']>;
  private readonly read: NonNullable<PlanWriterOptions['read']>;
  private readonly pause: NonNullable<PlanWriterOptions['pause']>;
  /** When the last write started, and how long it took (ms). */
  private lastStart = -Infinity;
  private lastLength = 0;
  /** Ends the wait for the gap now (flush). */
  private endWait: (() => void) | undefined;
  /** The run flushed: no more waiting. */
  private urgent = false;
  /** Something waits for the next write: it does not wait for the gap. */
  private hurried = false;
  /** The write made last (or being made). */
  private last: Promise<void> = Promise.resolve();
  /** The write that takes new edits; it starts when `last` has finished. */
  private next: Promise<void> | undefined;
  private readonly said = new Set<string>();
  /** Per task: the log lines that are the run's (the log it read, and every log it wrote). */
  private readonly ownLines = new Map<string, Set<string>>();
  /** Per task: lines a person added to its log during the run, written below the run's. */
  private readonly notes = new Map<string, string[]>();
  private readonly startLogs: Map<string, string | undefined> | undefined;

  constructor(
    private readonly file: string,
    options: PlanWriterOptions = {},
  ) {
    this.gapMs = options.gapMs ?? PLAN_WRITE_GAP_MS;
    this.now = options.now ?? Date.now;
    this.timer = options.timer ?? realTimer;
    this.read = options.read ?? ((file) => readFile(file, 'utf8'));
    this.size = options.size ?? -1;
    this.pause = options.pause ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.startLogs = options.startLogs;
  }

  /** What could not be recorded, each said once. */
  get warnings(): string[] {
    return [...this.said];
  }

  /** Resolves when the edit is in the file (or recorded as a warning, or left to a later write). */
  write(edit: TaskEdit): Promise<void> {
    const previous = this.recorded.get(edit.taskId);
    this.recorded.set(edit.taskId, previous === undefined ? edit : mergeEdits(previous, edit));
    return this.schedule();
  }

  /**
   * The edits waiting are written without waiting for the gap (a task's end waits for them): now,
   * or right after the write under way.
   */
  hurry(): void {
    this.hurried = true;
    this.endWait?.();
  }

  /**
   * Resolves when every value this run recorded is in the file, written once more if a save took
   * some away; from now on edits do not wait.
   */
  flush(): Promise<void> {
    this.urgent = true;
    this.endWait?.();
    return this.recorded.size === 0 && this.missing.size === 0 ? this.last : this.schedule();
  }

  /** The next write, made after the gap. */
  private schedule(): Promise<void> {
    if (this.next === undefined) {
      this.next = this.last
        .then(() => this.gap())
        // Not counted in the write's length (the next gap is ten times that).
        .then(() => this.still())
        .then(() => {
          this.next = undefined;
          this.lastStart = this.now();
          const missing = this.urgent ? [...this.missing.values()] : [];
          if (this.urgent) this.missing.clear();
          return this.apply([...missing, ...this.recorded.values()]).finally(
            () => (this.lastLength = this.now() - this.lastStart),
          );
        });
      // A write that failed in an unforeseen way does not stop the ones after it.
      this.last = this.next.catch(() => undefined);
    }
    return this.next;
  }

  /** Waits until the gap after the last write's start is over (not after a flush). */
  private gap(): Promise<void> {
    const gap = Math.max(this.gapMs, Math.min(MAX_GAP_MS, WRITE_SHARE * this.lastLength));
    const left = this.lastStart + gap - this.now();
    if (this.urgent || this.hurried || left <= 0) {
      this.hurried = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const cancel = this.timer(() => this.endWait?.(), left);
      this.endWait = () => {
        this.endWait = undefined;
        this.hurried = false;
        cancel();
        resolve();
      };
    });
  }

  private async apply(edits: TaskEdit[]): Promise<void> {
    // No write comes after the final one: it tries harder.
    const maxTries = this.urgent ? FINAL_TRIES : MAX_TRIES;
    for (let tries = 1; ; tries += 1) {
      if (tries > 1) await this.still();
      let text: string;
      try {
        text = await this.read(this.file);
      } catch (error) {
        const gone = (error as NodeJS.ErrnoException).code === 'ENOENT';
        for (const edit of edits)
          this.warn(
            edit,
            gone ? 'the plan file was moved or deleted during the run' : (error as Error).message,
          );
        return;
      }
      this.size = Buffer.byteLength(text);
      const { next, dropped } = patched(text, edits, (task, log) => this.withNotes(task, log));
      // A plan without a task the run recorded may be in the middle of a save: read again.
      if (this.urgent && dropped.length > 0 && tries < maxTries) continue;
      for (const [edit, why] of dropped) {
        // Not tried again in every write after (each try parses the plan anew), but in the final
        // one: a plan read in the middle of a person's save lacks tasks that are back by then.
        if (this.urgent) this.warn(edit, why);
        const before = this.missing.get(edit.taskId);
        this.missing.set(edit.taskId, before === undefined ? edit : mergeEdits(before, edit));
        this.recorded.delete(edit.taskId);
      }
      if (next === text) return;
      let replaced: boolean;
      try {
        replaced = await replaceIfUnchanged(this.file, text, next, async () => {
          const now = await this.read(this.file).catch(() => text);
          return now === text;
        });
      } catch (error) {
        // The plan stays as it was; the run goes on and says so.
        for (const edit of edits) this.warn(edit, (error as Error).message);
        return;
      }
      if (replaced) {
        this.size = Buffer.byteLength(next);
        return;
      }
      // A person saved the plan while this was patched: patched again on what is there now. A
      // plan that keeps changing is left as it is: the next write (at the latest the final one)
      // sets these.
      if (tries < maxTries) continue;
      // Once the run has flushed, no write comes after this one: it says so.
      if (this.urgent)
        for (const edit of edits) this.warn(edit, 'the plan kept changing while it was written');
      return;
    }
  }

  /**
   * Waits while a person's save may be under way: the plan is smaller than when last seen here and
   * changed less than STILL_MS ago. An editor that truncates the file and then
   * writes it (`>`, `cat >`, vim on a symlink) leaves a half plan for a moment: read then, its
   * patched copy would replace the plan. (A plan that only grows, or is saved whole, is not
   * waited for: one saved every few ms would never be still.)
   */
  async still(): Promise<void> {
    for (let waited = 0; waited < MAX_STILL_WAIT_MS;) {
      const info = await stat(this.file).catch(() => undefined);
      if (info === undefined) return;
      const age = Date.now() - info.mtimeMs;
      if (age >= STILL_MS || info.size >= this.size) return;
      const wait = Math.min(STILL_MS, STILL_MS - age);
      await this.pause(wait);
      waited += wait;
    }
  }

  /**
   * `log` and, below it, every line a person added to the task's log in the plan while the run went
   * on (`note: …`): a line that is neither the run's (the log it read, or one it wrote) nor kept
   * already. Kept for every later write of the task too.
   */
  private withNotes(task: Task, log: string): string {
    const own = this.ownLines.get(task.id) ?? new Set(logLines(this.startLogs?.get(task.id)));
    const kept = this.notes.get(task.id) ?? [];
    const next = new Set(logLines(log));
    for (const line of logLines(task.log)) {
      const bare = line.startsWith(NOTE) ? line.slice(NOTE.length) : line;
      if (!own.has(line) && !next.has(line) && !kept.includes(bare)) kept.push(bare);
    }
    for (const line of next) own.add(line);
    this.ownLines.set(task.id, own);
    this.notes.set(task.id, kept);
    return [log, ...kept.map((line) => `${NOTE}${line}`)].join('\n');
  }

  private warn(edit: TaskEdit, reason: string): void {
    this.said.add(`could not record ${edit.taskId} in ${this.file}: ${reason}`);
  }
}

/** How often a write is made again when the plan changed under it. */
const MAX_TRIES = 3;
/** How often the final write (the run's last) reads the plan again before it gives up. */
const FINAL_TRIES = 10;
/** A plan changed by someone else less than this long ago (ms) may be in the middle of a save. */
const STILL_MS = 50;
/** The longest a write waits for the plan to be still (ms); then it goes on as before. */
const MAX_STILL_WAIT_MS = 2000;

/**
 * Replaces the file (its real path: a symlinked plan keeps its link) with `text` atomically, with
 * its mode and owner, unless a person saved it meanwhile (then false, nothing replaced). As write-file-atomic does, but the check comes after the new text is written and
 * synced to a temp file beside it: `unchanged()` (the writer's read), then a synchronous read and
 * the rename right after it (no turn of the event loop between them). A save is lost only if it
 * lands between those two calls, not during the write and fsync (tens of ms on a busy disk).
 */
async function replaceIfUnchanged(
  file: string,
  was: string,
  text: string,
  unchanged: () => Promise<boolean>,
): Promise<boolean> {
  const target = await realpath(file);
  const { mode, uid, gid } = await stat(target);
  const temp = path.join(
    path.dirname(target),
    `${tempPrefix(target)}${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text);
      if (process.getuid?.() === 0) await handle.chown(uid, gid);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!(await unchanged())) return false;
    if (readFileSync(target, 'utf8') !== was) return false;
    renameSync(temp, target);
    return true;
  } finally {
    await rm(temp, { force: true });
  }
}

/** The start of the name of a write-back's temp file beside `target`; the writer's pid follows. */
const tempPrefix = (target: string) => `.${path.basename(target)}.ccglm-`;

/**
 * Removes the temp files that writers of the plan left beside it when they were killed mid-write
 * (kill -9, a power cut): those whose writer's pid is gone. Best effort, at a run's start.
 */
export function removeLeftTemps(plan: string): void {
  try {
    const target = realpathSync(plan);
    const prefix = tempPrefix(target);
    for (const name of readdirSync(path.dirname(target))) {
      const pid = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length))?.[1];
      if (
        name.startsWith(prefix) &&
        pid !== undefined &&
        processStartTime(Number(pid)) === undefined
      )
        rmSync(path.join(path.dirname(target), name), { force: true });
    }
  } catch {
    // an unreadable folder: the files stay, as they would have
  }
}

/**
 * The edits applied to `text`, with one read of the plan for all of them (each read parses the
 * whole plan); when one cannot be applied, one by one: that task's edit is dropped and said.
 */
function patched(
  text: string,
  edits: TaskEdit[],
  logOf: LogOf,
): { next: string; dropped: [TaskEdit, string][] } {
  try {
    return { next: patchPlan(text, edits, logOf), dropped: [] };
  } catch {
    let next = text;
    const dropped: [TaskEdit, string][] = [];
    for (const edit of edits) {
      try {
        next = patchPlan(next, [edit], logOf);
      } catch (error) {
        dropped.push([
          edit,
          error instanceof PatchError ? error.message : (error as Error).message,
        ]);
      }
    }
    return { next, dropped };
  }
}

/** Two edits of one task as one: each field takes the later edit's value when it sets one. */
function mergeEdits(earlier: TaskEdit, later: TaskEdit): TaskEdit {
  const merged: TaskEdit = { ...earlier };
  if (later.status !== undefined) merged.status = later.status;
  if (later.log !== undefined) merged.log = later.log;
  if (later.filesEdited !== undefined) merged.filesEdited = later.filesEdited;
  return merged;
}
