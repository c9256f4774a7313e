import type { CommandSpec } from '../spec.js';

export const completionCommand: CommandSpec = {
  name: 'completion',
  summary: 'Print the shell completion script for bash, zsh or fish',
  detail:
    'Commands, options, their choices, and the task ids of the plan on the command line (--only, --from, prompt).',
  positionals: [
    {
      name: 'shell',
      type: 'string',
      required: true,
      choices: ['bash', 'zsh', 'fish'],
      describe: 'the shell',
    },
  ],
  options: {},
  examples: [
    ['eval "$(ccglm completion bash)"', 'in ~/.bashrc'],
    ['ccglm completion fish > ~/.config/fish/completions/ccglm.fish', 'for fish'],
  ],
  run: async (args) => {
    const { completionScript } = await import('../complete.js');
    process.stdout.write(completionScript(args['shell'] as 'bash' | 'zsh' | 'fish'));
  },
};
