import { wholeNumber, type CommandSpec } from '../spec.js';
import { configOption, planPositional } from './shared.js';

interface WavesArgs {
  plan: string;
  format: string;
  concurrency?: number;
  ignore?: string | string[];
  config?: string;
}

export const wavesCommand: CommandSpec = {
  name: 'waves',
  summary: 'Preview the waves in order, the critical path and file overlaps',
  positionals: [planPositional],
  options: {
    format: {
      type: 'string',
      default: 'text',
      choices: ['text', 'json', 'mermaid', 'dot'],
      describe: 'text, JSON, a Mermaid or a Graphviz graph',
    },
    concurrency: {
      type: 'number',
      check: wholeNumber(1),
      describe: 'warn about waves wider than this',
    },
    ignore: {
      repeatable: true,
      type: 'string',
      describe:
        'codes whose findings the preview leaves out, e.g. CCG401 (replaces ccglm.config.json validate.ignore)',
    },
    config: configOption,
  },
  examples: [['ccglm waves auth-plan.md --format mermaid', 'the DAG as a Mermaid graph']],
  run: async (raw) => {
    const args = raw as unknown as WavesArgs;
    const { printWaves } = await import('../waves-run.js');
    process.exitCode = await printWaves(args.plan, args.format, {
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      ...(args.ignore !== undefined ? { ignore: [args.ignore].flat() } : {}),
      ...(args.config !== undefined ? { config: args.config } : {}),
    });
  },
};
