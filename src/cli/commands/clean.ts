import type { CommandModule } from 'yargs';

export const cleanCommand: CommandModule<
  object,
  { plan: string; 'worktree-root': string; repos?: string; 'dry-run': boolean }
> = {
  command: 'clean <plan>',
  describe:
    "Remove the plan's task worktrees that are merged or empty; keep (and name) any with work in them",
  builder: (yargs) =>
    yargs
      .positional('plan', { type: 'string', demandOption: true })
      .option('worktree-root', {
        type: 'string',
        default: '/tmp/agents',
        describe:
          'Also look at every worktree under ROOT/<plan> (task worktrees are found by their branch wherever they are)',
      })
      .option('repos', { type: 'string' })
      .option('dry-run', { type: 'boolean', default: false }) as never,
  handler: async (args) => {
    const { cleanWorktrees } = await import('../clean-run.js');
    process.exitCode = await cleanWorktrees(
      args.plan,
      args['worktree-root'],
      args.repos,
      args['dry-run'],
    );
  },
};
