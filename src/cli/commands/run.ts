import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const runCommand: CommandModule = {
  command: 'run',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm run is not built yet', 1);
  },
};
