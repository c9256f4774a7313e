/**
 * A task as the plan says when the run starts it: a person may have edited it since the run read
 * the plan (a long run's later tasks especially). What its agent is told (name, description,
 * location, validation, the other fields) is taken as it is now; a change of what orders the run
 * (depends_on, repo, target) is not: the run keeps the graph it started with, and says so.
 */
import { parsePlan } from './parse.js';
import type { Task } from './types.js';

/** Why a task is not started when its turn comes (`plan-gone`: the plan file itself went). */
export type LeftOut = 'removed' | 'Skipped' | 'Completed' | 'plan-gone';

export interface TaskNow {
  task: Task;
  /** For the task's log: edited since the run read it, and what became of the edit. */
  note?: string;
  /**
   * A person took the task out of the run: removed it from the plan, or set it Skipped or
   * Completed since the run read it. It is not started (`note` says why).
   */
  leftOut?: LeftOut;
}

/** The task's text as the run read it is in the plan still, whole (not the start of a longer one). */
function stillThere(text: string, source: string): boolean {
  for (let at = text.indexOf(source); at !== -1; at = text.indexOf(source, at + 1)) {
    const next = text[at + source.length];
    if (next === undefined || next === '\n' || next === '\r') return true;
  }
  return false;
}

/**
 * `start` is the task as the run read it, `source` its text then (heading to field list) and
 * `text` the plan now; `asRun` does to the task read now what the run did to `start` (its
 * `--target`).
 */
export function taskNow(
  start: Task,
  source: string,
  text: string,
  file: string,
  asRun: (task: Task) => Task = (task) => task,
): TaskNow {
  // Its text is still there as it was: nothing to read again (no parse on the common path).
  if (stillThere(text, source)) return { task: start };
  const found = parsePlan(text, file).plan.tasks.filter((task) => task.id === start.id);
  if (found.length === 0)
    return {
      task: start,
      leftOut: 'removed',
      note: `${start.id} was removed from the plan during the run: not started`,
    };
  const now = found.length === 1 ? asRun(found[0] as Task) : undefined;
  if (now === undefined)
    return {
      task: start,
      note: `${start.id} is in the plan twice now: started as the run read it`,
    };
  // The run never sets a task it has not started Skipped or Completed: a person did.
  if ((now.status === 'Skipped' || now.status === 'Completed') && now.status !== start.status)
    return {
      task: now,
      leftOut: now.status,
      note: `${start.id} was set ${now.status} in the plan during the run: not started`,
    };
  const ids = (task: Task) => (task.dependsOn ?? []).map((dep) => dep.id).join(',');
  const changed = [
    ...(ids(now) !== ids(start) ? ['depends_on'] : []),
    ...((now.repo ?? '') !== (start.repo ?? '') ? ['repo'] : []),
    ...(now.target !== start.target ? ['target'] : []),
  ];
  if (changed.length > 0)
    return {
      task: start,
      note: `its ${changed.join(', ')} changed in the plan after the run started: started as the run read it (a new run takes the change)`,
    };
  // The run's own write-back (a requeued task's status and log) is no edit of what it is told.
  if (told(now) === told(start)) return { task: start };
  // What the run knows of the task's attempts (its status, log, files edited) stays the run's.
  const { status, statusText, statusNote, log, filesEdited } = start;
  return {
    task: {
      ...now,
      status,
      filesEdited,
      ...(statusText !== undefined ? { statusText } : {}),
      ...(statusNote !== undefined ? { statusNote } : {}),
      ...(log !== undefined ? { log } : {}),
    },
    note: 'edited in the plan after the run started: started with its text as it is now',
  };
}

/** What the agent is told of the task: every field but those the run writes, and its name. */
const RUN_WRITES = new Set(['status', 'log', 'files_edited']);
const told = (task: Task) =>
  JSON.stringify([
    task.name,
    task.fields.filter((field) => !RUN_WRITES.has(field.key)).map((f) => [f.key, f.value]),
  ]);
