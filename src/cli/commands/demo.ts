import type { CommandModule } from 'yargs';

export const demoCommand: CommandModule<object, { dir?: string; json: boolean }> = {
  command: 'demo [dir]',
  describe:
    'Run the shipped demo plan offline with the demo agent, in a demo repository made on the fly',
  builder: (yargs) =>
    yargs
      .positional('dir', {
        type: 'string',
        describe: 'where to create the demo (default: a new temp folder)',
      })
      .option('json', { type: 'boolean', default: false }) as never,
  handler: async (args) => {
    const { runDemo } = await import('../demo-run.js');
    process.exitCode = await runDemo(args.dir, args.json);
  },
};
