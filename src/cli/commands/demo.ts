import { newOrEmptyDir, type CommandSpec } from '../spec.js';

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Run the shipped demo plan offline, in a demo repository made on the fly',
  positionals: [
    {
      name: 'dir',
      type: 'string',
      complete: 'dir',
      check: newOrEmptyDir,
      describe: 'where to create the demo (default: a new temp folder)',
    },
  ],
  options: { json: { type: 'boolean', default: false, describe: 'NDJSON events on stdout' } },
  run: async (args) => {
    const { runDemo } = await import('../demo-run.js');
    process.exitCode = await runDemo(args['dir'] as string | undefined, args['json'] === true);
  },
};
