import { configOption } from './shared.js';
import { existsSync } from 'node:fs';
import type { CommandSpec } from '../spec.js';

export const configCommand: CommandSpec = {
  name: 'config',
  summary: 'Print the effective settings (run, validate, agents…) and where each came from',
  detail:
    "ccglm.config.json is found from the plan's folder upward (or given with --config); its schema is schemas/config.schema.json. Flags override it.",
  positionals: [
    {
      name: 'plan',
      type: 'string',
      complete: 'plan',
      check: (value) => (existsSync(value) ? undefined : 'an existing plan file or folder'),
      describe: 'a plan file or folder to look from (default: the current folder)',
    },
  ],
  options: {
    config: configOption,
    json: { type: 'boolean', default: false, describe: 'as JSON' },
  },
  examples: [['ccglm config auth-plan.md', 'what a run of auth-plan.md would use']],
  run: async (args) => {
    const { printConfig } = await import('../config-run.js');
    process.stdout.write(
      await printConfig({
        ...(args['plan'] !== undefined ? { plan: args['plan'] as string } : {}),
        ...(args['config'] !== undefined ? { config: args['config'] as string } : {}),
        json: args['json'] === true,
      }),
    );
  },
};
