import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const jobCommand: CommandModule = {
  command: 'job',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm job is not built yet', 1);
  },
};
