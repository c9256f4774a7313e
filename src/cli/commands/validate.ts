import { wholeNumber, type CommandSpec } from '../spec.js';
import { configOption } from './shared.js';

interface ValidateArgs {
  plans: string[];
  format: string;
  strict?: boolean;
  quiet?: boolean;
  ignore?: string | string[];
  fix: boolean;
  concurrency?: number;
  config?: string;
}

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'Check plan files (for CI): exit 0 no errors, 1 errors, 2 usage',
  positionals: [
    {
      name: 'plans',
      type: 'string',
      required: true,
      variadic: true,
      complete: 'plan',
      describe: 'plan files or globs',
    },
  ],
  options: {
    format: {
      type: 'string',
      default: 'text',
      choices: ['text', 'json', 'github', 'sarif'],
      describe: 'the report: text, JSON, GitHub annotations or SARIF',
    },
    strict: {
      type: 'boolean',
      describe: 'warnings fail too (default: ccglm.config.json validate.strict, else false)',
    },
    quiet: {
      type: 'boolean',
      describe:
        'report errors only; --fix still fixes the rest (default: validate.quiet, else false)',
    },
    ignore: {
      repeatable: true,
      type: 'string',
      describe: 'codes not to report, e.g. CCG309,CCG404 (replaces validate.ignore)',
    },
    fix: {
      type: 'boolean',
      default: false,
      describe:
        'apply the safe fixes (canonical status words, bold field labels, repo-relative paths) to the files, then check them',
    },
    concurrency: {
      type: 'number',
      check: wholeNumber(1),
      describe: 'warn about waves wider than this',
    },
    config: configOption,
  },
  examples: [
    ['ccglm validate auth-plan.md', 'check one plan'],
    ['ccglm validate "docs/*-plan.md" --format github', 'every plan, as GitHub annotations'],
  ],
  run: async (raw) => {
    const args = raw as unknown as ValidateArgs;
    const { runValidate } = await import('../validate-run.js');
    const { ignore, ...rest } = args;
    process.exitCode = await runValidate({
      ...rest,
      ...(ignore !== undefined ? { ignore: [ignore].flat() } : {}),
    });
  },
};
