import type { CommandModule } from 'yargs';

export interface RunArgs {
  plan: string;
  'dry-run': boolean;
  strategy?: string;
  concurrency?: string;
  continue: string;
  only?: string[];
  from?: string;
  agent?: string;
  'agent-cmd'?: string;
  model?: string;
  provider?: string;
  check?: boolean;
  'log-dir'?: string;
  'worktree-root'?: string;
  isolation?: string;
  repos?: string;
  resume: boolean;
  detach: boolean;
  push: boolean;
  json: boolean;
  pty?: boolean;
  'stall-minutes': number;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <plan>',
  describe:
    'Run the plan: each wave of tasks as parallel agent jobs in git worktrees, with write-back',
  builder: (yargs) =>
    yargs
      .positional('plan', { type: 'string', demandOption: true })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'print the wave preview (= ccglm waves) and start nothing',
      })
      .option('strategy', { type: 'string', choices: ['waves', 'eager'] })
      .option('concurrency', {
        type: 'string',
        describe:
          'tasks at once (a number, or "unlimited" / 0 for no limit; default 3, with --resume the resumed run\'s)',
      })
      .option('continue', {
        type: 'string',
        choices: ['never', 'dependencies-successful', 'always'],
        default: 'dependencies-successful',
      })
      .option('only', { type: 'string', array: true, describe: 'run only these tasks' })
      .option('from', { type: 'string', describe: 'run this task and everything downstream' })
      .option('agent', {
        type: 'string',
        describe:
          'agent profile: claude (default), codex, opencode, demo, or from ccglm.config.json',
      })
      .option('agent-cmd', {
        type: 'string',
        describe: 'a custom agent command (prompt on stdin and in $CCGLM_PROMPT_FILE)',
      })
      .option('model', {
        type: 'string',
        describe: "model (default $CC_GLM_MODEL or glm-5 on z.ai; Claude Code's own on anthropic)",
      })
      .option('provider', {
        type: 'string',
        choices: ['zai', 'anthropic'],
        describe:
          "the claude agent's API: zai (z.ai endpoint, glm-5) or anthropic (Claude Code's own key or login); default: zai when a z.ai token resolves, else anthropic when Claude Code has a credential",
      })
      .option('check', {
        type: 'boolean',
        default: false,
        describe:
          'only check that the run can start (lock, repositories, git identity, folders, agent, credentials): PASS/FAIL per check, exit 0 or 78',
      })
      .option('log-dir', {
        type: 'string',
        describe:
          "job artifacts (default $CC_GLM_LOG_DIR or /tmp/cc-glm-jobs; with --resume the resumed run's)",
      })
      .option('worktree-root', {
        type: 'string',
        describe: "task worktrees (default /tmp/agents; with --resume the resumed run's)",
      })
      .option('isolation', { type: 'string', choices: ['task', 'repo'] })
      .option('repos', {
        type: 'string',
        describe: 'a folder holding the repositories named by the tasks',
      })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe:
          'adopt the jobs of an interrupted run, with its settings (log dir, worktree root, agent, model, provider, pty, strategy, concurrency) unless given',
      })
      .option('detach', {
        type: 'boolean',
        default: false,
        describe: 'on Ctrl-C end at once and leave running jobs running (--resume adopts them)',
      })
      .option('push', {
        type: 'boolean',
        default: false,
        describe: 'push the integration branches when every task completed',
      })
      .option('json', { type: 'boolean', default: false, describe: 'NDJSON events on stdout' })
      .option('pty', {
        type: 'boolean',
        describe:
          "run agents in a pseudo-terminal (default: pipes, as the shell runner's; with --resume the resumed run's)",
      })
      .option('stall-minutes', { type: 'number', default: 20 }) as never,
  handler: async (args) => {
    const { runFromCli } = await import('../run-cli.js');
    const { exitCode, interrupted } = await runFromCli(args);
    process.exitCode = exitCode;
    // The plan and the lock are settled: a launch or git command still under way is not waited for.
    if (interrupted) process.exit(exitCode);
  },
};
