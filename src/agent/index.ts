/**
 * The agent layer: how a task becomes a running agent.
 *
 * - `renderPrompt` — the exact prompt an agent gets for one task (what `ccglm prompt` prints).
 * - `buildAgentJob` — the argv + env that RUN hands to the job runner's `startJob` (always
 *   `node ccglm headless …` with the prompt in a file; never a shell, never the prompt in argv).
 * - `describeRuntimeContract` / `formatRuntimeContract` — the `<id>.contract` content (no secret);
 *   JOBS writes the file at job start and restart.
 * - `resolveAuth` — the token resolution of `ccglm headless` (env, token file, 1Password `op`).
 * - `detectRateLimit` — finds a rate-limit marker in an agent's log (for the scheduler).
 */
export { renderPrompt, promptPlaceholders } from './prompt.js';
export type { RenderPromptOptions } from './prompt.js';
export { buildAgentJob } from './job.js';
export type { AgentJobOptions, AgentJob } from './job.js';
export {
  describeRuntimeContract,
  formatRuntimeContract,
  type RuntimeContract,
  type DescribeContractOptions,
} from './contract.js';
export {
  resolveAuth,
  describeAuthSource,
  decideAuth,
  type AuthResult,
  type AuthDeps,
  type AuthMode,
  type AuthDecision,
} from './auth.js';
export { detectRateLimit, type RateLimitInfo } from './rate-limit.js';
export {
  builtinProfiles,
  resolveProfile,
  type AgentProfile,
  type ResolveProfileOptions,
} from './profiles.js';
export { splitCommand } from './split-command.js';
export { checkAgent, type AgentCheck, type AgentChoice } from './preflight.js';
