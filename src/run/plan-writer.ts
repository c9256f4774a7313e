/**
 * Write-back: every edit re-reads the plan, patches what is there now (a person may be editing
 * other parts of it) and replaces the file atomically (temp file, fsync, rename). Edits are
 * serialised through one queue, so two task events never race each other.
 */
import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { patchPlan, PatchError } from '../plan/patch.js';
import type { TaskEdit } from '../plan/types.js';

export class PlanWriter {
  private queue: Promise<void> = Promise.resolve();
  readonly warnings: string[] = [];

  constructor(private readonly file: string) {}

  write(edit: TaskEdit): Promise<void> {
    this.queue = this.queue.then(() => this.apply(edit));
    return this.queue;
  }

  flush(): Promise<void> {
    return this.queue;
  }

  private async apply(edit: TaskEdit): Promise<void> {
    try {
      const text = await readFile(this.file, 'utf8');
      const next = patchPlan(text, [edit]);
      if (next !== text) await writeFileAtomic(this.file, next, { fsync: true });
    } catch (error) {
      // The plan stays as it was; the run goes on and says so.
      const reason = error instanceof PatchError ? error.message : (error as Error).message;
      this.warnings.push(`could not record ${edit.taskId} in ${this.file}: ${reason}`);
    }
  }
}
