/**
 * Write-back: every batch of edits re-reads the plan, patches what is there now (a person may be
 * editing other parts of it) and replaces the file atomically (temp file, fsync, rename). Edits are
 * serialised; the ones that arrive while a write is under way go out together in the next write
 * (the latest value of each field wins, as if applied one by one), so a burst of task events costs
 * one rewrite, not one per event.
 */
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { patchPlan, PatchError } from '../plan/patch.js';
import type { TaskEdit } from '../plan/types.js';

export class PlanWriter {
  private readonly pending = new Map<string, TaskEdit>();
  /** The batch written last (or being written). */
  private last: Promise<void> = Promise.resolve();
  /** The batch that collects new edits; it starts when `last` has finished. */
  private next: Promise<void> | undefined;
  readonly warnings: string[] = [];

  constructor(private readonly file: string) {}

  /** Resolves when the edit is in the file (or recorded as a warning). */
  write(edit: TaskEdit): Promise<void> {
    const previous = this.pending.get(edit.taskId);
    this.pending.set(edit.taskId, previous === undefined ? edit : mergeEdits(previous, edit));
    if (this.next === undefined) {
      this.next = this.last.then(() => {
        this.next = undefined;
        const edits = [...this.pending.values()];
        this.pending.clear();
        return this.apply(edits);
      });
      this.last = this.next;
    }
    return this.next;
  }

  flush(): Promise<void> {
    return this.last;
  }

  private async apply(edits: TaskEdit[]): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      for (const edit of edits) this.warn(edit, (error as Error).message);
      return;
    }
    let next = text;
    try {
      // One read of the plan for all the edits that waited (each read parses the whole plan).
      next = patchPlan(text, edits);
    } catch {
      for (const edit of edits) {
        try {
          next = patchPlan(next, [edit]);
        } catch (error) {
          // That task's edit is dropped and said; the others are written.
          this.warn(edit, error instanceof PatchError ? error.message : (error as Error).message);
        }
      }
    }
    if (next === text) return;
    try {
      await writeFileAtomic(this.file, next, { fsync: true });
    } catch (error) {
      // The plan stays as it was; the run goes on and says so.
      for (const edit of edits) this.warn(edit, (error as Error).message);
    }
  }

  private warn(edit: TaskEdit, reason: string): void {
    this.warnings.push(`could not record ${edit.taskId} in ${this.file}: ${reason}`);
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
