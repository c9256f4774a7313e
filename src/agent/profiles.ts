/**
 * Agent profiles as data: which binary, which arguments, how the prompt travels, which environment
 * the agent needs and whether it needs a token. Adding an agent is adding an entry (or a
 * `ccglm.config.json` "agents" entry), never a code path.
 */
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { CcglmError, ExitCode } from '../errors.js';
import type { Provider } from './provider-name.js';
import { splitCommand } from './split-command.js';

export interface AgentProfile {
  name: string;
  /** One line shown in `ccglm headless --help` and errors. */
  description: string;
  /** argv[0]: a name looked up on PATH, an absolute path, or `{node}` (this Node binary). */
  command: string;
  /**
   * Arguments; `{model}`, `{promptFile}` and `{demoAgent}` are replaced per element (no shell);
   * an element `{modelArgs}` is replaced by modelArgs (or dropped when no model is known).
   */
  args: string[];
  /** Inserted at `{modelArgs}` (or appended) when a model is known, e.g. `['--model', '{model}']`. */
  modelArgs?: string[];
  /** The model when neither --model nor CC_GLM_MODEL says one. */
  defaultModel?: string;
  /**
   * `stdin`: the prompt is piped to the agent's stdin. `file`: stdin is empty and the agent reads
   * `$CCGLM_PROMPT_FILE` (or `{promptFile}` in args). Either way the prompt is never in argv.
   */
  prompt: 'stdin' | 'file';
  /** `required`: resolve a token (exit 10/11 on failure); `optional`: only from an explicitly set source; `none`. */
  auth: 'required' | 'optional' | 'none';
  /**
   * Environment for the agent. Values may use `{token}`, `{baseUrl}`, `{model}`, `{timeoutMs}`;
   * an entry whose placeholder has no value (no token, no model) is left out.
   */
  env: Record<string, string>;
  /**
   * Extra environment when ccglm runs as root. Claude Code refuses --dangerously-skip-permissions
   * as root unless IS_SANDBOX=1 says the machine is a sandbox (as these CI/agent machines are).
   */
  rootEnv?: Record<string, string>;
  /** How to read the agent's exit: `code` = its exit code is the task's result (0 success). */
  exit: 'code';
  /** The token-free demonstration agent. */
  demo?: boolean;
}

const anthropicEnv: Record<string, string> = {
  ANTHROPIC_AUTH_TOKEN: '{token}',
  ANTHROPIC_API_KEY: '{token}',
  ANTHROPIC_BASE_URL: '{baseUrl}',
  ANTHROPIC_DEFAULT_OPUS_MODEL: '{model}',
  ANTHROPIC_DEFAULT_SONNET_MODEL: '{model}',
  ANTHROPIC_DEFAULT_HAIKU_MODEL: '{model}',
  API_TIMEOUT_MS: '{timeoutMs}',
};

export const builtinProfiles: Readonly<Record<string, AgentProfile>> = {
  claude: {
    name: 'claude',
    description: 'Claude Code (npm @anthropic-ai/claude-code), routed to CC_GLM_BASE_URL',
    command: 'claude',
    // No prompt argument: with -p and no prompt, Claude Code reads the prompt from stdin.
    args: ['--dangerously-skip-permissions', '--model', '{model}', '-p', '--output-format', 'text'],
    defaultModel: 'glm-5',
    prompt: 'stdin',
    auth: 'required',
    env: anthropicEnv,
    rootEnv: { IS_SANDBOX: '1' },
    exit: 'code',
  },
  codex: {
    name: 'codex',
    description: 'OpenAI Codex CLI (`codex exec -` reads the prompt from stdin)',
    command: 'codex',
    // `-` (read the prompt from stdin) stays last, after the model flags.
    args: ['exec', '--sandbox', 'workspace-write', '--skip-git-repo-check', '{modelArgs}', '-'],
    modelArgs: ['--model', '{model}'],
    prompt: 'stdin',
    auth: 'optional',
    env: { OPENAI_API_KEY: '{token}' },
    exit: 'code',
  },
  opencode: {
    name: 'opencode',
    description: 'opencode (`opencode run` reads a piped prompt from stdin)',
    command: 'opencode',
    args: ['run'],
    modelArgs: ['--model', '{model}'],
    prompt: 'stdin',
    auth: 'optional',
    env: {},
    exit: 'code',
  },
  demo: {
    name: 'demo',
    description: 'the ccglm demo agent: offline, no API key; edits each location file and commits',
    command: '{node}',
    args: ['{demoAgent}'],
    prompt: 'stdin',
    auth: 'none',
    env: {},
    exit: 'code',
  },
};

/**
 * The claude agent with `--provider anthropic`: Claude Code as the user set it up — no base URL, no
 * model unless one is given (`{modelArgs}`), its own API key or login (provider.ts checks one is
 * there; ccglm passes no token).
 */
export const claudeAnthropicProfile: AgentProfile = {
  name: 'claude',
  description: "Claude Code on Anthropic's API, with its own key or login (--provider anthropic)",
  command: 'claude',
  args: ['--dangerously-skip-permissions', '{modelArgs}', '-p', '--output-format', 'text'],
  modelArgs: ['--model', '{model}'],
  prompt: 'stdin',
  auth: 'none',
  env: {},
  rootEnv: { IS_SANDBOX: '1' },
  exit: 'code',
};

/** Whether an agent name needs a token (the runtime contract records `auth_source=none` otherwise). */
export function agentNeedsAuth(name: string): boolean {
  return builtinProfiles[name]?.auth === 'required';
}

/** The built demo agent script beside this module (dist/agent/demo-agent.js when built). */
export const demoAgentScript = path.join(packageRoot, 'dist', 'agent', 'demo-agent.js');

export interface ResolveProfileOptions {
  agent?: string;
  agentCmd?: string;
  /** Parsed `agents` of ccglm.config.json (see loadAgentConfig). */
  configAgents?: Record<string, Partial<AgentProfile>>;
  /** `anthropic`: the claude agent without the z.ai routing (see provider.ts); other agents ignore it. */
  provider?: Provider;
}

/** The profile to run: --agent-cmd wins, then a config profile (merged over a built-in of that name). */
export function resolveProfile(options: ResolveProfileOptions): AgentProfile {
  if (options.agentCmd !== undefined) {
    const [command, ...args] = splitCommand(options.agentCmd);
    return {
      name: 'custom',
      description: 'custom --agent-cmd',
      command: command as string,
      args,
      prompt: 'stdin',
      auth: 'none',
      env: {},
      exit: 'code',
    };
  }
  const name = options.agent ?? 'claude';
  const base =
    name === 'claude' && options.provider === 'anthropic'
      ? claudeAnthropicProfile
      : builtinProfiles[name];
  const custom = options.configAgents?.[name];
  if (base === undefined && custom === undefined) {
    const known = [
      ...new Set([...Object.keys(builtinProfiles), ...Object.keys(options.configAgents ?? {})]),
    ];
    throw new CcglmError(
      `Unknown agent '${name}', expected one of: ${known.join(', ')}`,
      ExitCode.usage,
    );
  }
  if (custom === undefined) return base as AgentProfile;
  const merged = { ...base, ...custom, name } as Partial<AgentProfile>;
  if (typeof merged.command !== 'string' || merged.command === '')
    throw new CcglmError(`Agent '${name}' in ccglm.config.json has no "command"`, ExitCode.failure);
  return {
    description: `custom agent '${name}' from ccglm.config.json`,
    args: [],
    prompt: 'stdin',
    auth: 'none',
    env: {},
    exit: 'code',
    ...merged,
  } as AgentProfile;
}
