import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const demoCommand: CommandModule = {
  command: 'demo',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm demo is not built yet', 1);
  },
};
