import type { CommandModule } from 'yargs';
import type { CommandSpec } from '../spec.js';
import { validateCommand } from './validate.js';
import { compileCommand } from './compile.js';
import { wavesCommand } from './waves.js';
import { runCommand } from './run.js';
import { promptCommand } from './prompt.js';
import { initCommand } from './init.js';
import { jobCommand } from './job.js';
import { headlessCommand } from './headless.js';
import { cleanCommand } from './clean.js';
import { demoCommand } from './demo.js';
import { configCommand } from './config.js';
import { completionCommand } from './completion.js';
import { targetsCommand } from './targets.js';
import { statusCommand } from './status.js';
import { reportCommand } from './report.js';

/** The commands described by a table (src/cli/spec.ts), in the order of the command list. */
export const specs: CommandSpec[] = [
  initCommand,
  validateCommand,
  wavesCommand,
  runCommand,
  promptCommand,
  compileCommand,
  cleanCommand,
  demoCommand,
  configCommand,
  completionCommand,
  statusCommand,
  reportCommand,
  targetsCommand,
];

/** Commands kept as yargs modules (their own subcommands and options), with their list line. */
export const modules: {
  name: string;
  usage: string;
  summary: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  module: CommandModule<any, any>;
}[] = [
  {
    name: 'job',
    usage: 'job <command>',
    summary: 'Detached, supervised agent jobs: start, status, tail, watchdog… (cc-glm-job.sh)',
    module: jobCommand,
  },
  {
    name: 'headless',
    usage: 'headless',
    summary: 'Resolve auth and run one headless agent with a prompt (cc-glm-headless.sh)',
    module: headlessCommand,
  },
];
