import type { CommandModule } from 'yargs';

interface StatusArgs {
  plan: string;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status <plan>',
  describe:
    'Where a plan stands: per wave and task its state, time, the health of running jobs and what blocks what. Exit 0 all completed, 3 a run is in progress, 4 a task failed, 5 a task is blocked, 6 tasks are left to run',
  builder: (yargs) => yargs.positional('plan', { type: 'string', demandOption: true }) as never,
  handler: async (args) => {
    const { printStatus } = await import('../status-run.js');
    process.exitCode = await printStatus(args.plan);
  },
};
