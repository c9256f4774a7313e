import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const validateCommand: CommandModule = {
  command: 'validate',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm validate is not built yet', 1);
  },
};
