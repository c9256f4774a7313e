import type { CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';

// Placeholder until the command is built; its owner replaces this file.
export const compileCommand: CommandModule = {
  command: 'compile',
  describe: false,
  handler: () => {
    throw new CcglmError('ccglm compile is not built yet', 1);
  },
};
