import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { loadPlan } from '../../agent/load-plan.js';
import { promptPlaceholders, renderPrompt } from '../../agent/prompt.js';
import { CcglmError, ExitCode } from '../../errors.js';

interface PromptArgs {
  plan: string;
  task: string;
  template?: string;
  worktree?: string;
  repo?: string;
  branch?: string;
  'feature-key'?: string;
  agent?: string;
}

const placeholderHelp = Object.entries(promptPlaceholders)
  .map(([name, what]) => `  {{${name}}}  ${what}`)
  .join('\n');

// Thin shell over src/agent/prompt.ts.
export const promptCommand: CommandModule = {
  command: 'prompt <plan> <task>',
  describe: 'Print the exact prompt an agent gets for one task',
  builder: (yargs) =>
    yargs
      .usage(
        `ccglm prompt PLAN TASK [--template FILE]\n\nPrints the prompt ccglm run gives the agent for TASK. ` +
          `A --template file may use these placeholders:\n${placeholderHelp}`,
      )
      .positional('plan', {
        type: 'string',
        describe: 'the <topic>-plan.md file',
        demandOption: true,
      })
      .positional('task', { type: 'string', describe: 'the task id, e.g. T2', demandOption: true })
      .option('template', {
        type: 'string',
        describe: 'a prompt template file with {{placeholders}}',
      })
      .option('worktree', { type: 'string', describe: 'the folder the agent runs in' })
      .option('repo', { type: 'string', describe: 'repository, when the task has no repo field' })
      .option('branch', { type: 'string', describe: 'the branch the agent commits to' })
      .option('feature-key', {
        type: 'string',
        describe: 'Feature-Key trailer value (default: the task id)',
      })
      .option('agent', { type: 'string', describe: 'Agent trailer value (default: claude)' }),
  handler: async (argv) => {
    const args = argv as unknown as PromptArgs;
    let template: string | undefined;
    if (args.template !== undefined) {
      try {
        template = readFileSync(args.template, 'utf8');
      } catch {
        throw new CcglmError(`${args.template}: cannot read the template`, ExitCode.failure);
      }
    }
    const { plan } = await loadPlan(args.plan);
    process.stdout.write(
      renderPrompt({
        plan,
        planPath: args.plan,
        taskId: args.task,
        ...(template !== undefined ? { template } : {}),
        ...(args.worktree !== undefined ? { worktree: args.worktree } : {}),
        ...(args.repo !== undefined ? { repo: args.repo } : {}),
        ...(args.branch !== undefined ? { branch: args.branch } : {}),
        ...(args['feature-key'] !== undefined ? { featureKey: args['feature-key'] } : {}),
        ...(args.agent !== undefined ? { agent: args.agent } : {}),
      }),
    );
  },
};
