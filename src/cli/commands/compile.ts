import type { CommandModule } from 'yargs';

export const compileCommand: CommandModule<object, { plan: string }> = {
  command: 'compile <plan>',
  describe: 'Print the compiled plan as JSON (schemas/plan.schema.json); exit 1 when it has errors',
  builder: (yargs) => yargs.positional('plan', { type: 'string', demandOption: true }) as never,
  handler: async (args) => {
    const { readPlanOrThrow } = await import('../plan-input.js');
    const { compilePlan } = await import('../../graph/compile.js');
    const text = await readPlanOrThrow(args.plan);
    const { repoRootsOf } = await import('../../paths.js');
    const compiled = compilePlan(text, args.plan, repoRootsOf(args.plan));
    process.stdout.write(`${JSON.stringify(compiled, null, 2)}\n`);
    process.exitCode = compiled.ok ? 0 : 1;
  },
};
