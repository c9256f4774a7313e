/**
 * The claude agent's providers by name, and the job environment variable that pins one: what the
 * agent's profile, its contract and a run's state need to know of a provider, without provider.ts's
 * credential lookups (which need the contract's defaults: this keeps the imports acyclic).
 */
import type { Env } from './auth.js';

export const PROVIDERS = ['zai', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The job environment variable that pins a run's provider for `ccglm headless` and the contract. */
export const PROVIDER_ENV = 'CCGLM_PROVIDER';

/** The provider a job's environment names (`ccglm run` sets it), else undefined. */
export function providerFromEnv(env: Env): Provider | undefined {
  const value = env[PROVIDER_ENV];
  return PROVIDERS.find((provider) => provider === value);
}
