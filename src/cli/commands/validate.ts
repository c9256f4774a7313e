import type { CommandModule } from 'yargs';

interface ValidateArgs {
  plans: string[];
  format: string;
  strict: boolean;
  concurrency?: number;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <plans..>',
  describe:
    'Check plan files (for CI): exit 0 when no errors, 1 when any plan has errors, 2 for usage errors',
  builder: (yargs) =>
    yargs
      .positional('plans', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'plan files or globs',
      })
      .option('format', {
        type: 'string',
        default: 'text',
        choices: ['text', 'json', 'github', 'sarif'],
      })
      .option('strict', { type: 'boolean', default: false, describe: 'warnings fail too' })
      .option('concurrency', {
        type: 'number',
        describe: 'warn about waves wider than this',
      }) as never,
  handler: async (args) => {
    const { runValidate } = await import('../validate-run.js');
    process.exitCode = await runValidate(args);
  },
};
