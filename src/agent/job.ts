import path from 'node:path';
import { ccglmBin } from '../paths.js';
import type { HeadlessOptions } from './headless.js';
import { PROVIDER_ENV, type Provider } from './provider.js';

export interface AgentJobOptions {
  /** Agent profile: `claude` (default), `codex`, `opencode`, `demo`, or one from ccglm.config.json. */
  agent?: string;
  /** A custom agent command line (`'my-agent --flag'`), split into argv without a shell. Wins over `agent`. */
  agentCmd?: string;
  /** Model name; becomes CC_GLM_MODEL in the job's environment (so the runtime contract sees it too). */
  model?: string;
  /** ccglm.config.json to read custom profiles from (default: found from the worktree upward). */
  configPath?: string;
  /** The rendered prompt, already written to a file (the prompt never travels in argv). */
  promptFile: string;
  taskId: string;
  /** The plan file (absolute path preferred). */
  planPath: string;
  /** Where the agent runs (the job runner sets the cwd to it). */
  worktree: string;
  /** The Feature-Key trailer value the agent should use for its commits. */
  featureKey?: string;
  /** The claude agent's provider, pinned for every task in $CCGLM_PROVIDER (see provider.ts). */
  provider?: Provider;
}

export interface AgentJob {
  /** argv for `startJob({ command })`: `[node, ccglm, 'headless', '--agent', NAME, '--prompt-file', F, …]`. */
  command: string[];
  /** Extra environment for the job (merged over the runner's environment). Never holds a secret. */
  env: Record<string, string>;
  /** The profile name the job runs (`custom` for --agent-cmd). */
  agent: string;
  /** The same launch as options, for a job host that runs headless in its own process. */
  headless: HeadlessOptions;
}

/**
 * What RUN hands to `startJob` for one task. Plan text never reaches a command line: the prompt is a
 * file, the task id / plan / worktree are environment values, and headless spawns with arg arrays.
 */
export function buildAgentJob(options: AgentJobOptions): AgentJob {
  const agent = options.agentCmd !== undefined ? 'custom' : (options.agent ?? 'claude');
  const command = [process.execPath, ccglmBin, 'headless'];
  if (options.agentCmd !== undefined) command.push('--agent-cmd', options.agentCmd);
  else command.push('--agent', agent);
  if (options.configPath !== undefined) command.push('--config', path.resolve(options.configPath));
  command.push('--prompt-file', path.resolve(options.promptFile));
  const headless: HeadlessOptions = {
    ...(options.agentCmd !== undefined ? { agentCmd: options.agentCmd } : { agent }),
    ...(options.configPath !== undefined ? { configPath: path.resolve(options.configPath) } : {}),
    promptFile: path.resolve(options.promptFile),
  };

  const env: Record<string, string> = {
    CCGLM_AGENT: agent,
    CCGLM_TASK_ID: options.taskId,
    CCGLM_PLAN: path.resolve(options.planPath),
    CCGLM_WORKTREE: path.resolve(options.worktree),
    CCGLM_PROMPT_FILE: path.resolve(options.promptFile),
  };
  // On Anthropic's API the model is Claude Code's own ANTHROPIC_MODEL (CC_GLM_MODEL is z.ai's).
  if (options.provider !== undefined) env[PROVIDER_ENV] = options.provider;
  if (options.model !== undefined)
    env[options.provider === 'anthropic' ? 'ANTHROPIC_MODEL' : 'CC_GLM_MODEL'] = options.model;
  if (options.featureKey !== undefined) env['CCGLM_FEATURE_KEY'] = options.featureKey;
  return { command, env, agent, headless };
}
