import type { CommandModule } from 'yargs';

interface WavesArgs {
  plan: string;
  format: string;
  concurrency?: number;
  ignore?: string | string[];
}

export const wavesCommand: CommandModule<object, WavesArgs> = {
  command: 'waves <plan>',
  describe: 'Dry-run preview: the waves in order, the critical path and file overlaps',
  builder: (yargs) =>
    yargs
      .positional('plan', { type: 'string', demandOption: true })
      .option('format', {
        type: 'string',
        default: 'text',
        choices: ['text', 'json', 'mermaid', 'dot'],
      })
      .option('concurrency', { type: 'number' })
      .option('ignore', {
        type: 'string',
        requiresArg: true,
        describe:
          'codes whose findings the preview leaves out, e.g. CCG401 (replaces ccglm.config.json validate.ignore)',
      }) as never,
  handler: async (args) => {
    const { printWaves } = await import('../waves-run.js');
    process.exitCode = await printWaves(
      args.plan,
      args.format,
      args.concurrency,
      args.ignore !== undefined ? [args.ignore].flat() : undefined,
    );
  },
};
