/**
 * What a plan's runs left, found by the plan (plan-home.ts): the run state, the lock of a run in
 * progress and the event record (record.ts); with the compiled plan, what `ccglm status` and
 * `ccglm report` are built from.
 */
import os from 'node:os';
import path from 'node:path';
import type { Env } from '../agent/auth.js';
import { CcglmError } from '../errors.js';
import { compilePlan, type CompiledPlan } from '../graph/compile.js';
import { repoRootsOf } from '../paths.js';
import { readPlanFile } from '../read-plan-file.js';
import type { RunEvent } from '../run/events.js';
import { liveLockHolder, type LockInfo } from '../run/lock.js';
import { planHome, stateDirOf, type PlanHome } from '../run/plan-home.js';
import { RunStateFile, type RunState } from '../run/run-state.js';
import { planIdOf } from '../run/run-options.js';
import {
  durationsOf,
  eventsFileOf,
  readEventRecord,
  recordEvents,
  type EventRecord,
} from './record.js';

/** The lock and state files of the plan at `plan` (which exists), in `env`'s per-user state folder. */
export function planHomeOf(plan: string, env: Env): PlanHome {
  const planPath = path.resolve(plan);
  const home = env['HOME'] !== undefined && env['HOME'] !== '' ? env['HOME'] : os.homedir();
  return planHome(planPath, planIdOf(planPath), stateDirOf(env, home));
}

/** The run's record: where its events go, and what earlier runs of the plan took (for the ETA). */
export function openRunRecord(
  plan: string,
  env: Env,
): { history: Map<string, number>; append: (event: RunEvent) => void } {
  let file: string;
  try {
    file = eventsFileOf(planHomeOf(plan, env).state);
  } catch {
    // No such plan: the run says so itself.
    return { history: new Map(), append: () => undefined };
  }
  return { history: durationsOf(readEventRecord(file).runs), append: recordEvents(file) };
}

export interface RunFacts {
  plan: string;
  planPath: string;
  compiled: CompiledPlan;
  home: PlanHome;
  state: RunState | undefined;
  /** The run in progress, if one holds the plan's lock. */
  live: LockInfo | undefined;
  record: EventRecord;
}

/** Reads the plan and what its runs left; an unreadable or invalid plan is a one-line error (exit 1). */
export async function readRunFacts(plan: string, env: Env): Promise<RunFacts> {
  const read = await readPlanFile(plan);
  if (!read.ok) throw new CcglmError(read.message, 1);
  const compiled = compilePlan(read.text, plan, repoRootsOf(plan));
  if (!compiled.ok) throw new CcglmError(`${plan} has errors; see ccglm validate ${plan}`, 1);
  const home = planHomeOf(plan, env);
  return {
    plan,
    planPath: path.resolve(plan),
    compiled,
    home,
    state: new RunStateFile(home.state).load(),
    live: liveLockHolder(home.lock),
    record: readEventRecord(eventsFileOf(home.state)),
  };
}
