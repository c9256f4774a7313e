import { CcglmError, ExitCode } from '../../errors.js';
import { ageCheck, existingDir, type CommandSpec } from '../spec.js';

interface CleanArgs {
  plan?: string;
  'worktree-root': string;
  repos?: string;
  'dry-run': boolean;
  logs: boolean;
  'older-than': string;
  'log-dir'?: string;
}

export const cleanCommand: CommandSpec = {
  name: 'clean',
  summary: "Remove the plan's merged or empty task worktrees (--logs: old job files)",
  detail:
    'Worktrees with work in them are kept and named. --logs prunes the files of finished jobs instead.',
  positionals: [
    { name: 'plan', type: 'string', complete: 'plan', describe: 'the <topic>-plan.md file' },
  ],
  options: {
    'worktree-root': {
      type: 'string',
      default: '/tmp/agents',
      complete: 'dir',
      describe:
        'also look at every worktree under ROOT/<plan> (task worktrees are found by their branch wherever they are)',
    },
    repos: {
      type: 'string',
      check: existingDir,
      complete: 'dir',
      describe: "a folder holding the tasks' repositories by name",
    },
    'dry-run': {
      type: 'boolean',
      default: false,
      describe: 'say what would go, remove nothing',
    },
    logs: {
      type: 'boolean',
      default: false,
      describe:
        "prune the log folder instead: the files of finished jobs (the plan's only, given a plan) older than --older-than; a running job's files are never touched",
    },
    'older-than': {
      type: 'string',
      default: '7d',
      check: ageCheck,
      describe: 'with --logs: an age such as 7d, 12h, 30m, 2w, 0',
    },
    'log-dir': {
      type: 'string',
      complete: 'dir',
      describe: 'with --logs: the job artifacts (default $CC_GLM_LOG_DIR or /tmp/cc-glm-jobs)',
    },
  },
  examples: [['ccglm clean --logs --older-than 2w', 'prune job files older than two weeks']],
  run: async (raw) => {
    const args = raw as unknown as CleanArgs;
    if (args.logs !== true && args.plan === undefined)
      throw new CcglmError(
        'Give the plan whose worktrees to clean (or --logs to prune job files).',
        ExitCode.usage,
      );
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
