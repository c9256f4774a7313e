/**
 * `ccglm run`'s settings that ccglm.config.json's `run` section may hold: which flag each is, and
 * the default when neither gives it. Flags win over the config, the config over the defaults
 * (with --resume, the resumed run's settings come before the config: see src/run/run.ts).
 */
import path from 'node:path';
import type { RunConfig } from '../config-file.js';

export interface RunSetting {
  key: keyof RunConfig;
  flag: string;
  /** The default when neither the flag nor the config gives it. */
  fallback: string;
  /** A path: a relative one in the config is read from the config file's folder. */
  path?: boolean;
}

export const RUN_SETTINGS: RunSetting[] = [
  { key: 'strategy', flag: 'strategy', fallback: 'waves' },
  { key: 'concurrency', flag: 'concurrency', fallback: '3' },
  { key: 'continue', flag: 'continue', fallback: 'dependencies-successful' },
  { key: 'agent', flag: 'agent', fallback: 'defaultAgent, else $CCGLM_AGENT, else claude' },
  { key: 'model', flag: 'model', fallback: "the agent's ($CC_GLM_MODEL, or glm-5 on z.ai)" },
  { key: 'provider', flag: 'provider', fallback: 'zai when a z.ai token resolves, else anthropic' },
  { key: 'worktreeRoot', flag: 'worktree-root', fallback: '/tmp/agents', path: true },
  {
    key: 'logDir',
    flag: 'log-dir',
    fallback: '$CC_GLM_LOG_DIR, else /tmp/cc-glm-jobs',
    path: true,
  },
  {
    key: 'repos',
    flag: 'repos',
    fallback: "the plan's repository, else the current folder's",
    path: true,
  },
  { key: 'isolation', flag: 'isolation', fallback: 'task' },
  { key: 'pty', flag: 'pty', fallback: 'false (pipes)' },
  { key: 'stallMinutes', flag: 'stall-minutes', fallback: '20' },
];

export interface Sourced {
  setting: RunSetting;
  /** As the flag would give it (a string, number or boolean); undefined: the default. */
  value: string | number | boolean | undefined;
  /** `--flag`, the config file, or `default`. */
  source: string;
}

/** Each setting's value and where it came from: the flag given, the config's run section, the default. */
export function sourceRunSettings(
  args: Record<string, unknown>,
  given: ReadonlySet<string>,
  file: string | undefined,
  run: RunConfig,
): Sourced[] {
  return RUN_SETTINGS.map((setting) => {
    // --agent-cmd given: the config's agent does not apply either.
    const flagGiven =
      given.has(setting.flag) || (setting.key === 'agent' && given.has('agent-cmd'));
    if (flagGiven)
      return {
        setting,
        value: args[setting.flag] as Sourced['value'],
        source: `--${setting.flag}`,
      };
    const configured = run[setting.key];
    if (configured !== undefined && file !== undefined)
      return {
        setting,
        value:
          setting.path === true && typeof configured === 'string'
            ? path.resolve(path.dirname(file), configured)
            : setting.key === 'concurrency'
              ? String(configured)
              : configured,
        source: file,
      };
    return { setting, value: undefined, source: 'default' };
  });
}

/** The run's arguments with the config's run section filled in where no flag was given. */
export function withRunConfig(
  args: Record<string, unknown>,
  given: ReadonlySet<string>,
  file: string | undefined,
  run: RunConfig,
): Record<string, unknown> {
  const out = { ...args };
  for (const { setting, value, source } of sourceRunSettings(args, given, file, run))
    if (source === file && value !== undefined) out[setting.flag] = value;
  return out;
}
