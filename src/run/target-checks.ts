/**
 * The run's preflight for tasks on targets: every target a task to start names is declared, can be
 * reached, runs this ccglm and an agent with credentials, and is enabled or its gate passes now.
 * An unreachable target fails the preflight: nothing starts anywhere.
 */
import path from 'node:path';
import { packageVersion } from '../paths.js';
import type { Task } from '../plan/types.js';
import { LOCAL, type Target } from '../targets/config.js';
import { loadTargets } from '../targets/load.js';
import { isReady, probeTarget } from '../targets/probe.js';
import type { Check } from './preflight.js';

export interface TargetChecks {
  checks: Check[];
  /** The targets the tasks use, by name (none: every task is local). */
  targets: Map<string, Target>;
}

/** How long the probe of one target may take (connection included). */
const PROBE_MS = 30_000;

export async function checkTargets(
  tasks: readonly Task[],
  plan: { path: string; name: string },
  configPath?: string,
): Promise<TargetChecks> {
  const byTarget = new Map<string, string[]>();
  // Each task with the line of its target field (none when --target chose it).
  const named = (task: Task) =>
    task.targetSpan !== undefined
      ? `${task.id} (${plan.name}:${task.targetSpan.start.line})`
      : task.id;
  for (const task of tasks)
    if (task.target !== undefined && task.target !== LOCAL)
      byTarget.set(task.target, [...(byTarget.get(task.target) ?? []), named(task)]);
  if (byTarget.size === 0) return { checks: [], targets: new Map() };
  let declared: Awaited<ReturnType<typeof loadTargets>>;
  try {
    declared = await loadTargets(path.dirname(plan.path), configPath);
  } catch (error) {
    return {
      checks: [{ ok: false, text: `targets: ${(error as Error).message}` }],
      targets: new Map(),
    };
  }
  const version = packageVersion();
  const targets = new Map<string, Target>();
  const checks = await Promise.all(
    [...byTarget].map(async ([name, ids]): Promise<Check> => {
      const tasksThere = `${ids.join(', ')} ${ids.length === 1 ? 'is' : 'are'} to run there`;
      const target = declared.targets.get(name);
      if (target === undefined) {
        const names = [...declared.targets.keys()].join(', ') || 'none';
        return {
          ok: false,
          text:
            declared.file === undefined
              ? `target ${name}: ${tasksThere}, but no ccglm.config.json (in the plan's folder or above) declares targets; fix: declare ${name} under "targets" there, or set the task's target to local`
              : `target ${name}: ${tasksThere}, but ${declared.file} declares no target ${name} (declared: ${names}); fix: add it under "targets", or set the task's target to local`,
        };
      }
      const status = await probeTarget(target, {
        version,
        runGate: !target.enabled,
        timeoutMs: PROBE_MS,
      });
      if (isReady(status)) {
        targets.set(name, target);
        const gate = target.enabled ? '' : `; disabled, its gate passed`;
        return {
          ok: true,
          text: `target ${name}: ${target.ssh} ready (ccglm ${status.facts?.ccglm ?? '?'}${gate}); ${tasksThere}`,
        };
      }
      const why = [...status.problems];
      if (status.problems.length === 0 && !target.enabled)
        why.push(
          target.gate === undefined
            ? 'disabled, and it has no gate to pass; fix: set its "enabled" to true once it is ready'
            : `disabled until its gate passes; it failed${status.gateOutput !== undefined ? `: ${status.gateOutput}` : ''}; fix: make \`${target.gate}\` pass there (ccglm targets check ${name})`,
        );
      return { ok: false, text: `target ${name}: ${tasksThere}; ${why.join('; ')}` };
    }),
  );
  return { checks, targets };
}
