import type { AgentProfile } from './profiles.js';

/** Everything a profile's placeholders may refer to. The token only ever lands in `env`. */
export interface LaunchValues {
  model?: string;
  token?: string;
  baseUrl: string;
  timeoutMs: string;
  promptFile: string;
  nodePath: string;
  demoAgent: string;
  isRoot: boolean;
}

export interface LaunchPlan {
  file: string;
  args: string[];
  /** Only what the profile adds; the caller merges it over its own environment. */
  env: Record<string, string>;
}

type Values = Record<string, string | undefined>;

/** Replaces `{name}` placeholders; undefined when one of them has no value. */
function fill(template: string, values: Values): string | undefined {
  let missing = false;
  const out = template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!(name in values)) return whole;
    const value = values[name];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  return missing ? undefined : out;
}

/**
 * The argv and environment for one profile — pure, so the "prompt never in argv, token only in
 * env" rules are table-tested. Args are substituted element by element; nothing is ever joined
 * into a command line for a shell.
 */
export function planLaunch(profile: AgentProfile, launch: LaunchValues): LaunchPlan {
  const values: Values = {
    model: launch.model,
    token: launch.token,
    baseUrl: launch.baseUrl,
    timeoutMs: launch.timeoutMs,
    promptFile: launch.promptFile,
    node: launch.nodePath,
    demoAgent: launch.demoAgent,
  };
  const modelArgs =
    launch.model !== undefined && launch.model !== '' ? (profile.modelArgs ?? []) : [];
  const expanded = profile.args.includes('{modelArgs}')
    ? profile.args.flatMap((arg) => (arg === '{modelArgs}' ? modelArgs : [arg]))
    : [...profile.args, ...modelArgs];
  const args = expanded.map((arg) => fill(arg, values) ?? '');
  const env: Record<string, string> = { CCGLM_PROMPT_FILE: launch.promptFile };
  const profileEnv = { ...profile.env, ...(launch.isRoot ? profile.rootEnv : {}) };
  for (const [key, template] of Object.entries(profileEnv)) {
    const value = fill(template, values);
    if (value !== undefined) env[key] = value;
  }
  return { file: fill(profile.command, values) ?? profile.command, args, env };
}
