import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const promptCommand: CommandModule = {
  command: 'prompt',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm prompt is not built yet', 1);
  },
};
