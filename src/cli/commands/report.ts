import type { CommandSpec } from '../spec.js';
import { planPositional } from './shared.js';

export interface ReportArgs {
  plan: string;
  output?: string;
  format: string;
  watch: boolean;
}

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: "A plan's run as an HTML page, its timeline as SVG, or metrics as JSON",
  detail:
    "One self-contained HTML page (timeline, metrics, each task's log tail), the timeline alone as SVG, or the metrics as JSON; for a finished, interrupted or running run.",
  positionals: [planPositional],
  options: {
    output: {
      alias: 'o',
      type: 'string',
      complete: 'file',
      describe: 'write to this file (default: standard output)',
    },
    format: {
      type: 'string',
      default: 'html',
      choices: ['html', 'svg', 'json'],
      describe: 'html: the whole page; svg: the timeline alone; json: the metrics',
    },
    watch: {
      type: 'boolean',
      default: false,
      describe: 'rewrite the file (-o) as the run records events, until the run ends',
    },
  },
  examples: [
    ['ccglm report auth-plan.md -o report.html', 'the run as a page'],
    ['ccglm report auth-plan.md --format svg -o timeline.svg', 'the timeline for a README'],
  ],
  run: async (args) => {
    const { writeReport } = await import('../report-run.js');
    process.exitCode = await writeReport(args as unknown as ReportArgs);
  },
};
