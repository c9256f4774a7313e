import { readFileSync } from 'node:fs';
import { loadPlan } from '../../agent/load-plan.js';
import { promptPlaceholders, renderPrompt } from '../../agent/prompt.js';
import { CcglmError, ExitCode } from '../../errors.js';
import { existingFile, taskIdCheck, type CommandSpec } from '../spec.js';
import { planPositional } from './shared.js';

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
export const promptCommand: CommandSpec = {
  name: 'prompt',
  summary: 'Print the exact prompt an agent gets for one task',
  detail: `A --template file may use these placeholders:\n${placeholderHelp}`,
  positionals: [
    planPositional,
    {
      name: 'task',
      type: 'string',
      required: true,
      check: taskIdCheck,
      complete: 'task',
      describe: 'the task id, e.g. T2',
    },
  ],
  options: {
    template: {
      type: 'string',
      check: existingFile,
      complete: 'file',
      describe: 'a prompt template file with {{placeholders}}',
    },
    worktree: { type: 'string', complete: 'dir', describe: 'the folder the agent runs in' },
    repo: { type: 'string', describe: 'repository, when the task has no repo field' },
    branch: { type: 'string', describe: 'the branch the agent commits to' },
    'feature-key': {
      type: 'string',
      describe: 'Feature-Key trailer value (default: the task id)',
    },
    agent: { type: 'string', describe: 'Agent trailer value (default: claude)' },
  },
  examples: [['ccglm prompt auth-plan.md T2', "T2's prompt"]],
  run: async (argv) => {
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
