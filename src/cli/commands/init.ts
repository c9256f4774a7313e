import { existingDir, type CommandSpec } from '../spec.js';
import { topicCheck } from '../init-run.js';

export const initCommand: CommandSpec = {
  name: 'init',
  summary: 'Write <topic>-plan.md from the template (never overwrites)',
  positionals: [
    {
      name: 'topic',
      type: 'string',
      required: true,
      check: topicCheck,
      describe: 'a plain name: letters, digits, ., _ and - (no path, no leading dot)',
    },
  ],
  options: {
    dir: {
      type: 'string',
      default: '.',
      complete: 'dir',
      check: existingDir,
      describe: 'folder to write the plan in',
    },
    repo: {
      type: 'string',
      describe: 'repo name for the tasks (default: the folder’s name)',
    },
  },
  examples: [['ccglm init auth', 'write auth-plan.md to edit']],
  run: async (args) => {
    const { initPlan } = await import('../init-run.js');
    process.stdout.write(
      `${await initPlan(args['topic'] as string, args['dir'] as string, args['repo'] as string | undefined)}\n`,
    );
  },
};
