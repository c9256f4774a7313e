import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const initCommand: CommandModule = {
  command: 'init',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm init is not built yet', 1);
  },
};
