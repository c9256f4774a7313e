import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const cleanCommand: CommandModule = {
  command: 'clean',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm clean is not built yet', 1);
  },
};
