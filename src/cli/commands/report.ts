import type { CommandModule } from 'yargs';

export interface ReportArgs {
  plan: string;
  output?: string;
  format: string;
  watch: boolean;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <plan>',
  describe:
    "A plan's run as one self-contained HTML page (timeline, metrics, each task's log tail), the timeline alone as SVG, or the metrics as JSON",
  builder: (yargs) =>
    yargs
      .positional('plan', { type: 'string', demandOption: true })
      .option('output', {
        alias: 'o',
        type: 'string',
        requiresArg: true,
        describe: 'write to this file (default: standard output)',
      })
      .option('format', { type: 'string', default: 'html', choices: ['html', 'svg', 'json'] })
      .option('watch', {
        type: 'boolean',
        default: false,
        describe: 'rewrite the file (-o) as the run records events, until the run ends',
      }) as never,
  handler: async (args) => {
    const { writeReport } = await import('../report-run.js');
    process.exitCode = await writeReport(args);
  },
};
