/** `ccglm`, `ccglm --help` and `ccglm help`: the command list, one line each, and common examples. */
import { modules, specs } from './commands/index.js';
import { usageOf } from './spec.js';

const EXAMPLES: [string, string][] = [
  ['ccglm init auth', 'write auth-plan.md from the template'],
  ['ccglm validate auth-plan.md', 'check it (exit 1 on errors)'],
  ['ccglm waves auth-plan.md', 'preview its waves and critical path'],
  ['ccglm run auth-plan.md --dry-run', 'what a run would start'],
  ['ccglm run auth-plan.md', 'run it with agents, status written back'],
  ['ccglm demo', 'try it offline with the demo agent'],
];

export function topLevelHelp(version: string): string {
  const rows: [string, string][] = [
    ...specs.map((spec): [string, string] => [usageOf(spec), spec.summary]),
    ...modules.map((m): [string, string] => [m.usage, m.summary]),
    ['help [command]', 'The command list, or one command’s options'],
  ];
  const table = (items: [string, string][]) => {
    const width = Math.max(...items.map(([left]) => left.length)) + 2;
    return items.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
  };
  return [
    `ccglm ${version}: compile, check, preview and run <topic>-plan.md task plans with headless coding agents`,
    '',
    'Usage: ccglm <command> [options]',
    '',
    'Commands:',
    table(rows),
    '',
    'Examples:',
    table(EXAMPLES),
    '',
    'Options: -h, --help  show help; -v, --version  print the version',
    "Run 'ccglm help COMMAND' (or ccglm COMMAND --help) for a command's options.",
    '',
  ].join('\n');
}
