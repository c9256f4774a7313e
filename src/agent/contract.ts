import { authMode, describeAuthSource, type Env } from './auth.js';
import { agentNeedsAuth } from './profiles.js';
import { providerFromEnv } from './provider-name.js';

export const DEFAULT_BASE_URL = 'https://api.z.ai/api/anthropic';
/** Claude Code's own endpoint (--provider anthropic, unless ANTHROPIC_BASE_URL says another). */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_MODEL = 'glm-5';
export const DEFAULT_TIMEOUT_MS = '3000000';

/** The `<id>.contract` values: how the agent was configured to run. Never holds a secret. */
export interface RuntimeContract {
  auth_source: string;
  auth_mode: string;
  model: string;
  base_url: string;
  timeout_ms: string;
  execution_mode: string;
  agent: string;
}

export interface DescribeContractOptions {
  /** The job's environment (the runner's env merged with `buildAgentJob(...).env`). */
  env: Env;
  executionMode: 'pty' | 'nohup';
  /** The agent profile; default from env CCGLM_AGENT, else `claude`. Agents without auth get `none`. */
  agent?: string;
}

const orDefault = (value: string | undefined, fallback: string) =>
  value === undefined || value === '' ? fallback : value;

/**
 * The runtime contract as data, from the environment alone (no file read, no `op`): restart
 * `--preserve-contract` compares model, base_url and timeout_ms of this against the stored file.
 */
export function describeRuntimeContract(options: DescribeContractOptions): RuntimeContract {
  const { env } = options;
  const agent = options.agent ?? orDefault(env['CCGLM_AGENT'], 'claude');
  const needsAuth = agentNeedsAuth(agent);
  if (agent === 'claude' && providerFromEnv(env) === 'anthropic')
    return {
      // Which of Claude Code's own credentials it will use, from the environment alone.
      auth_source:
        ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN']
          .filter((key) => orDefault(env[key], '') !== '')
          .map((key) => `env:${key}`)[0] ?? 'claude-login',
      auth_mode: 'provider:anthropic',
      model: orDefault(env['ANTHROPIC_MODEL'], 'default'),
      base_url: orDefault(env['ANTHROPIC_BASE_URL'], ANTHROPIC_BASE_URL),
      timeout_ms: orDefault(env['API_TIMEOUT_MS'], 'default'),
      execution_mode: options.executionMode,
      agent,
    };
  return {
    auth_source: needsAuth ? describeAuthSource(env) : 'none',
    auth_mode: authMode(env),
    model: orDefault(env['CC_GLM_MODEL'], DEFAULT_MODEL),
    base_url: orDefault(env['CC_GLM_BASE_URL'], DEFAULT_BASE_URL),
    timeout_ms: orDefault(env['CC_GLM_TIMEOUT_MS'], DEFAULT_TIMEOUT_MS),
    execution_mode: options.executionMode,
    agent,
  };
}

/** The file text: the reference's two header comments, then `key=value` lines. */
export function formatRuntimeContract(id: string, contract: RuntimeContract, now: Date): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const lines = [
    `# Runtime contract for ${id} (generated ${stamp})`,
    '# DO NOT store secrets here',
    ...Object.entries(contract).map(
      ([key, value]) => `${key}=${String(value).replace(/\n/g, ' ')}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
