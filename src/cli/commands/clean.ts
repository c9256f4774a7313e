import type { CommandModule } from 'yargs';
import { CcglmError, ExitCode } from '../../errors.js';

interface CleanArgs {
  plan?: string;
  'worktree-root': string;
  repos?: string;
  'dry-run': boolean;
  logs: boolean;
  'older-than': string;
  'log-dir'?: string;
}

export const cleanCommand: CommandModule<object, CleanArgs> = {
  command: 'clean [plan]',
  describe:
    "Remove the plan's task worktrees that are merged or empty; keep (and name) any with work in them. --logs: prune old files of finished jobs",
  builder: (yargs) =>
    yargs
      .positional('plan', { type: 'string' })
      .option('worktree-root', {
        type: 'string',
        default: '/tmp/agents',
        describe:
          'Also look at every worktree under ROOT/<plan> (task worktrees are found by their branch wherever they are)',
      })
      .option('repos', { type: 'string' })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'say what would go, remove nothing',
      })
      .option('logs', {
        type: 'boolean',
        default: false,
        describe:
          "prune the log folder instead: the files of finished jobs (the plan's only, given a plan) older than --older-than; a running job's files are never touched",
      })
      .option('older-than', {
        type: 'string',
        default: '7d',
        describe: 'with --logs: 7d, 12h, 30m, 2w, 0',
      })
      .option('log-dir', {
        type: 'string',
        describe: 'with --logs: the job artifacts (default $CC_GLM_LOG_DIR or /tmp/cc-glm-jobs)',
      })
      .check((args) => {
        if (args.logs !== true && args.plan === undefined)
          throw new CcglmError(
            'Give the plan whose worktrees to clean (or --logs to prune job files).',
            ExitCode.usage,
          );
        return true;
      }) as never,
  handler: async (args) => {
    const { cleanLogs, cleanWorktrees } = await import('../clean-run.js');
    process.exitCode = args.logs
      ? cleanLogs(args.plan, args['log-dir'], args['older-than'], args['dry-run'])
      : await cleanWorktrees(
          args.plan as string,
          args['worktree-root'],
          args.repos,
          args['dry-run'],
        );
  },
};
