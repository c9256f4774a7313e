import type { CommandModule } from 'yargs';

interface ValidateArgs {
  plans: string[];
  format: string;
  strict?: boolean;
  quiet?: boolean;
  ignore?: string | string[];
  fix: boolean;
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
      .option('strict', {
        type: 'boolean',
        describe: 'warnings fail too (default: ccglm.config.json validate.strict, else false)',
      })
      .option('quiet', {
        type: 'boolean',
        describe: 'report errors only (default: validate.quiet, else false)',
      })
      .option('ignore', {
        type: 'string',
        requiresArg: true,
        describe: 'codes not to report, e.g. CCG309,CCG404 (replaces validate.ignore)',
      })
      .option('fix', {
        type: 'boolean',
        default: false,
        describe:
          'apply the safe fixes (canonical status words, bold field labels, repo-relative paths) to the files, then check them',
      })
      .option('concurrency', {
        type: 'number',
        describe: 'warn about waves wider than this',
      }) as never,
  handler: async (args) => {
    const { runValidate } = await import('../validate-run.js');
    const { ignore, ...rest } = args;
    process.exitCode = await runValidate({
      ...rest,
      ...(ignore !== undefined ? { ignore: [ignore].flat() } : {}),
    });
  },
};
