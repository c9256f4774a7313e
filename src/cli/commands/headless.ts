import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const headlessCommand: CommandModule = {
  command: 'headless',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm headless is not built yet', 1);
  },
};
