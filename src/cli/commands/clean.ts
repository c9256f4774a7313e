import path from 'node:path';
import { CcglmError, ExitCode } from '../../errors.js';
import { configOption } from './shared.js';
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
    'Worktrees with work in them are kept and named. While a run of the plan is going, nothing is removed (exit 78). --logs prunes the files of finished jobs instead.',
  positionals: [
    { name: 'plan', type: 'string', complete: 'plan', describe: 'the <topic>-plan.md file' },
  ],
  options: {
    'worktree-root': {
      type: 'string',
      default: '/tmp/agents',
      complete: 'dir',
      describe:
        'also look at every worktree under ROOT/<plan> (default run.worktreeRoot, else /tmp/agents; task worktrees are found by their branch wherever they are)',
    },
    repos: {
      type: 'string',
      check: existingDir,
      complete: 'dir',
      describe:
        "the tasks' repository, or a folder holding them by name (default run.repos, else found from the plan)",
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
        "prune the log folder instead: the files of finished jobs older than --older-than (given a plan, only those whose meta names it); a running job's files are never touched",
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
      describe:
        'with --logs: the job artifacts (default run.logDir, else $CC_GLM_LOG_DIR or /tmp/cc-glm-jobs)',
    },
    config: configOption,
  },
  examples: [['ccglm clean --logs --older-than 2w', 'prune job files older than two weeks']],
  run: async (raw, given) => {
    // The plan's config (run.worktreeRoot, run.repos, run.logDir) where no flag is given: clean
    // looks where the plan's runs put things.
    const { resolveConfig } = await import('../../config-file.js');
    const { withRunConfig } = await import('../run-settings.js');
    const plan = raw['plan'] as string | undefined;
    const { file, config } = await resolveConfig({
      ...(raw['config'] !== undefined ? { config: raw['config'] as string } : {}),
      start: path.dirname(path.resolve(plan ?? 'x')),
    });
    const args = withRunConfig(raw, given, file, config.run ?? {}) as unknown as CleanArgs;
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
