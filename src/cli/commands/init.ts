import type { CommandModule } from 'yargs';

export const initCommand: CommandModule<object, { topic: string; dir: string; repo?: string }> = {
  command: 'init <topic>',
  describe: 'Write <topic>-plan.md from the template (never overwrites)',
  builder: (yargs) =>
    yargs
      .positional('topic', { type: 'string', demandOption: true })
      .option('dir', { type: 'string', default: '.', describe: 'folder to write the plan in' })
      .option('repo', {
        type: 'string',
        describe: 'repo name for the tasks (default: the folder’s name)',
      }) as never,
  handler: async (args) => {
    const { initPlan } = await import('../init-run.js');
    process.stdout.write(`${await initPlan(args.topic, args.dir, args.repo)}\n`);
  },
};
