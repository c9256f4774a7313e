/**
 * Which agent a launch would run and whether its binary is there: what `ccglm headless` checks
 * before it launches, and what `ccglm run` checks once before it starts any task (an unknown agent
 * or a missing binary is one message, not every task Failed).
 */
import { readAgentConfig } from './config.js';
import { findExecutable } from './find-executable.js';
import { resolveProfile, type AgentProfile } from './profiles.js';
import type { Provider } from './provider.js';

export interface AgentChoice {
  agent?: string;
  agentCmd?: string;
  configPath?: string;
  /** `anthropic`: the claude agent without z.ai routing (see provider.ts). */
  provider?: Provider;
}

export type AgentCheck =
  | { ok: true; profile: AgentProfile; executable: string | undefined }
  | { ok: false; profile: AgentProfile; lines: string[] };

/**
 * Resolves the profile (throws a usage CcglmError for an unknown agent) and looks its binary up on
 * PATH. A relative path with a folder in it is looked up from `cwd`; `skipRelative` leaves it
 * unchecked (ccglm run: the agent runs in a worktree that does not exist yet).
 */
export function checkAgent(
  choice: AgentChoice,
  context: { cwd: string; env: Record<string, string | undefined>; skipRelative?: boolean },
): AgentCheck {
  const config = readAgentConfig({
    cwd: context.cwd,
    ...(choice.configPath !== undefined ? { configPath: choice.configPath } : {}),
  });
  const profile = resolveProfile({
    ...(choice.agentCmd !== undefined ? { agentCmd: choice.agentCmd } : {}),
    agent:
      choice.agent ??
      config.defaultAgent ??
      (context.env['CCGLM_AGENT'] !== undefined && context.env['CCGLM_AGENT'] !== ''
        ? context.env['CCGLM_AGENT']
        : 'claude'),
    configAgents: config.agents,
    ...(choice.provider !== undefined ? { provider: choice.provider } : {}),
  });
  const command = profile.command === '{node}' ? process.execPath : profile.command;
  if (context.skipRelative === true && command.includes('/') && !command.startsWith('/'))
    return { ok: true, profile, executable: undefined };
  const executable = findExecutable(command, context.env['PATH'] ?? '', context.cwd);
  if (executable !== undefined) return { ok: true, profile, executable };
  return {
    ok: false,
    profile,
    lines: [
      `${profile.name} agent binary not found: ${command} (not on PATH)`,
      ...(profile.name === 'claude'
        ? [
            '  Install: npm install -g @anthropic-ai/claude-code (or another agent: --agent demo, or CCGLM_AGENT=demo in the environment)',
          ]
        : []),
    ],
  };
}
