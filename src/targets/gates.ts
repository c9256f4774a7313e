/**
 * Disabled targets a plan uses, and their gates: a disabled target is refused (CCG321) unless its
 * gate passes now, at validate as at run. Each gate runs once per command, on its target.
 */
import type { Task } from '../plan/types.js';
import type { Target } from './config.js';
import { runOnTarget } from './ssh.js';

export type TargetNames = ReadonlyMap<string, { enabled: boolean }>;

/** Names → enabled, as declared. */
export function namesOf(targets: ReadonlyMap<string, Target>): Map<string, { enabled: boolean }> {
  return new Map([...targets].map(([name, target]) => [name, { enabled: target.enabled }]));
}

/**
 * The names with every disabled target that `tasks` use and whose gate passes now marked enabled.
 * A target without a gate stays disabled.
 */
export async function openGates(
  tasks: readonly Task[],
  targets: ReadonlyMap<string, Target>,
  timeoutMs = 60_000,
): Promise<Map<string, { enabled: boolean }>> {
  const names = namesOf(targets);
  const used = new Set(tasks.flatMap((task) => (task.target !== undefined ? [task.target] : [])));
  const gated = [...used].flatMap((name) => {
    const target = targets.get(name);
    return target !== undefined && !target.enabled && target.gate !== undefined ? [target] : [];
  });
  const results = await Promise.all(
    gated.map(async (target) => ({
      name: target.name,
      passed: (await runOnTarget(target, target.gate as string, { timeoutMs })).code === 0,
    })),
  );
  for (const { name, passed } of results) if (passed) names.set(name, { enabled: true });
  return names;
}
