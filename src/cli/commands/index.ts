import type { CommandModule } from 'yargs';
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
import { targetsCommand } from './targets.js';
import { statusCommand } from './status.js';
import { reportCommand } from './report.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  validateCommand,
  compileCommand,
  wavesCommand,
  runCommand,
  promptCommand,
  initCommand,
  jobCommand,
  headlessCommand,
  cleanCommand,
  demoCommand,
  targetsCommand,
  statusCommand,
  reportCommand,
];
