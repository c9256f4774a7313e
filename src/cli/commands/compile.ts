import type { CommandSpec } from '../spec.js';
import { planPositional } from './shared.js';

export const compileCommand: CommandSpec = {
  name: 'compile',
  summary: 'Print the compiled plan as JSON (schemas/plan.schema.json); exit 1 on errors',
  positionals: [planPositional],
  options: {},
  run: async (args) => {
    const plan = args['plan'] as string;
    const { readPlanOrThrow } = await import('../plan-input.js');
    const { compilePlan } = await import('../../graph/compile.js');
    const text = await readPlanOrThrow(plan);
    const { repoRootsOf } = await import('../../paths.js');
    const compiled = compilePlan(text, plan, repoRootsOf(plan));
    process.stdout.write(`${JSON.stringify(compiled, null, 2)}\n`);
    process.exitCode = compiled.ok ? 0 : 1;
  },
};
