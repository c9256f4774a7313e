import {
  concurrencyCheck,
  existingDir,
  positiveNumber,
  taskIdCheck,
  taskIdsCheck,
  type CommandSpec,
} from '../spec.js';
import { configOption, planPositional } from './shared.js';

export interface RunArgs {
  plan: string;
  'dry-run': boolean;
  strategy?: string;
  concurrency?: string;
  continue: string;
  only?: string | string[];
  from?: string;
  agent?: string;
  'agent-cmd'?: string;
  model?: string;
  provider?: string;
  check?: boolean;
  'log-dir'?: string;
  'worktree-root'?: string;
  isolation?: string;
  target?: string;
  repos?: string;
  config?: string;
  resume: boolean;
  detach: boolean;
  push: boolean;
  json: boolean;
  pty?: boolean;
  'stall-minutes': number;
}

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Run the plan: waves of tasks as parallel agent jobs in git worktrees',
  detail:
    'Each task runs as a headless agent job in its own git worktree; its branch is merged and its status written back to the plan.\nExit 0 all completed, 1 a task failed or was blocked, 2 usage, 78 a check before starting failed.',
  positionals: [planPositional],
  options: {
    'dry-run': {
      type: 'boolean',
      default: false,
      describe:
        'print the wave preview (= ccglm waves) and what this run would start; start nothing',
    },
    strategy: {
      type: 'string',
      choices: ['waves', 'eager'],
      describe:
        'waves: a wave starts when the one before ended; eager: a task starts when its dependencies completed (default waves, or run.strategy)',
    },
    concurrency: {
      type: 'string',
      check: concurrencyCheck,
      describe:
        'tasks at once: a number, or "unlimited" / 0 for no limit (default 3, or run.concurrency; with --resume the resumed run\'s)',
    },
    continue: {
      type: 'string',
      choices: ['never', 'dependencies-successful', 'always'],
      default: 'dependencies-successful',
      describe:
        'after a task fails: start nothing more, only tasks whose dependencies succeeded, or all',
    },
    only: {
      repeatable: true,
      type: 'string',
      check: taskIdsCheck,
      complete: 'task',
      describe: 'run only these tasks, e.g. T2,T5 (their dependencies must be Completed)',
    },
    from: {
      type: 'string',
      check: taskIdCheck,
      complete: 'task',
      describe: 'run this task and everything downstream of it',
    },
    agent: {
      type: 'string',
      describe:
        'agent profile: claude (default), codex, opencode, demo, or one from ccglm.config.json (or run.agent)',
    },
    'agent-cmd': {
      type: 'string',
      describe: 'a custom agent command (prompt on stdin and in $CCGLM_PROMPT_FILE)',
    },
    model: {
      type: 'string',
      describe:
        "model (default run.model, else $CC_GLM_MODEL or glm-5 on z.ai; Claude Code's own on anthropic)",
    },
    provider: {
      type: 'string',
      choices: ['zai', 'anthropic'],
      describe:
        "the claude agent's API: zai (z.ai endpoint, glm-5) or anthropic (Claude Code's own key or login); default: zai when a z.ai token resolves, else anthropic",
    },
    check: {
      type: 'boolean',
      default: false,
      describe:
        'only check that the run can start (lock, repositories, git identity, folders, agent, credentials): PASS/FAIL per check, exit 0 or 78',
    },
    'log-dir': {
      type: 'string',
      complete: 'dir',
      describe:
        "job artifacts (default run.logDir, else $CC_GLM_LOG_DIR or /tmp/cc-glm-jobs; with --resume the resumed run's)",
    },
    'worktree-root': {
      type: 'string',
      complete: 'dir',
      describe:
        "task worktrees (default run.worktreeRoot, else /tmp/agents; with --resume the resumed run's)",
    },
    isolation: {
      type: 'string',
      choices: ['task', 'repo'],
      describe: 'a worktree per task, or one per repository (default task)',
    },
    target: {
      type: 'string',
      describe:
        "run the tasks that name no target on this one (a target of ccglm.config.json's targets; default: this machine)",
    },
    repos: {
      type: 'string',
      check: existingDir,
      complete: 'dir',
      describe:
        "a folder holding the tasks' repositories by name, or the repository itself (default run.repos, else found from the plan's folder or the current one)",
    },
    config: configOption,
    resume: {
      type: 'boolean',
      default: false,
      describe:
        'adopt the jobs of an interrupted run, with its settings (log dir, worktree root, agent, model, provider, pty, strategy, concurrency) unless given',
    },
    detach: {
      type: 'boolean',
      default: false,
      describe: 'on Ctrl-C end at once and leave running jobs running (--resume adopts them)',
    },
    push: {
      type: 'boolean',
      default: false,
      describe: 'push the integration branches when every task completed',
    },
    json: { type: 'boolean', default: false, describe: 'NDJSON events on stdout' },
    pty: {
      type: 'boolean',
      describe:
        "run agents in a pseudo-terminal (default: pipes, as the shell runner's, or run.pty; with --resume the resumed run's)",
    },
    'stall-minutes': {
      type: 'number',
      default: 20,
      check: positiveNumber,
      describe: 'no output and no CPU for this long = stalled: restarted once, then Blocked',
    },
  },
  examples: [
    ['ccglm run auth-plan.md --dry-run', 'what would run, in which waves'],
    ['ccglm run auth-plan.md --concurrency 4', 'run, four agents at most'],
    ['ccglm run auth-plan.md --from T3', 'T3 and everything after it'],
  ],
  run: async (args, given) => {
    const { runFromCli } = await import('../run-cli.js');
    const { exitCode, interrupted } = await runFromCli(args as unknown as RunArgs, given);
    process.exitCode = exitCode;
    // The plan and the lock are settled: a launch or git command still under way is not waited for.
    if (interrupted) process.exit(exitCode);
  },
};
