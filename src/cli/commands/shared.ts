import { existingFile, type OptionSpec, type PositionalSpec } from '../spec.js';

export const planPositional: PositionalSpec = {
  name: 'plan',
  type: 'string',
  required: true,
  complete: 'plan',
  describe: 'the <topic>-plan.md file',
};

export const configOption: OptionSpec = {
  type: 'string',
  check: existingFile,
  complete: 'file',
  describe: "ccglm.config.json to use (default: found from the plan's folder upward)",
};
