import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const wavesCommand: CommandModule = {
  command: 'waves',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm waves is not built yet', 1);
  },
};
