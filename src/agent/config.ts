import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { syntaxProblem } from '../config-problems.js';
import { CcglmError, ExitCode } from '../errors.js';
import type { AgentProfile } from './profiles.js';

export const CONFIG_FILE = 'ccglm.config.json';

export interface AgentConfig {
  file?: string;
  /** Custom profiles (or overrides of built-in ones) by name. */
  agents: Record<string, Partial<AgentProfile>>;
  /** The profile used when --agent is not given. */
  defaultAgent?: string;
}

/**
 * ccglm.config.json in `cwd` or the nearest folder above it. `CCGLM_CONFIG_CEILING` (absolute
 * folders, `:`-separated, as git's GIT_CEILING_DIRECTORIES) stops the search before it goes up into
 * one of them: a stray config in /tmp is not read for a project under /tmp (the tests set it).
 */
export function findConfig(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const ceilings = (env['CCGLM_CONFIG_CEILING'] ?? '')
    .split(':')
    .filter((dir) => path.isAbsolute(dir))
    .map((dir) => path.resolve(dir));
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir || ceilings.includes(parent)) return undefined;
  }
}

const PROFILE_KEYS: Record<string, 'string' | 'string[]' | 'record' | 'enum'> = {
  description: 'string',
  command: 'string',
  args: 'string[]',
  modelArgs: 'string[]',
  defaultModel: 'string',
  prompt: 'enum',
  auth: 'enum',
  env: 'record',
  rootEnv: 'record',
  exit: 'enum',
};
const ENUMS: Record<string, string[]> = {
  prompt: ['stdin', 'file'],
  auth: ['required', 'optional', 'none'],
  exit: ['code'],
};

function checkValue(key: string, value: unknown): string | undefined {
  const kind = PROFILE_KEYS[key];
  if (kind === undefined)
    return `unknown key, expected one of: ${Object.keys(PROFILE_KEYS).join(', ')}`;
  if (kind === 'string' && typeof value !== 'string') return 'expected a string';
  if (kind === 'string[]' && !(Array.isArray(value) && value.every((v) => typeof v === 'string')))
    return 'expected an array of strings';
  if (
    kind === 'record' &&
    !(
      typeof value === 'object' &&
      value !== null &&
      Object.values(value).every((v) => typeof v === 'string')
    )
  )
    return 'expected an object of strings';
  if (kind === 'enum' && !ENUMS[key]?.includes(value as string))
    return `expected one of: ${ENUMS[key]?.join(', ')}`;
  return undefined;
}

/** A config file's JSON, or one clear error naming the file. */
export function readConfigJson(file: string): unknown {
  return parseConfigJson(file, readConfigText(file));
}

export function readConfigText(file: string): string {
  try {
    // An editor's byte order mark is not part of the JSON.
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new CcglmError(
      `${file}: cannot read config: ${(error as Error).message}`,
      ExitCode.failure,
    );
  }
}

/** JSON.parse, with a syntax error's line and column in the message. */
export function parseConfigJson(file: string, text: string): unknown {
  if (text.trim() === '')
    throw new CcglmError(`${file}: the file is empty (write {} for no settings)`, ExitCode.failure);
  try {
    return JSON.parse(text);
  } catch {
    throw new CcglmError(
      `${file}:${syntaxProblem(text) ?? '1:1: not JSON'} (ccglm.config.json is plain JSON)`,
      ExitCode.failure,
    );
  }
}

/** Reads and checks a config file; one clear error naming the file and the bad key. */
export function loadAgentConfig(file: string): AgentConfig {
  const data = readConfigJson(file);
  const bad = (where: string, what: string) =>
    new CcglmError(`${file}: ${where}: ${what}`, ExitCode.failure);
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw bad('top level', 'expected an object with "agents"');
  const { agents = {}, defaultAgent } = data as { agents?: unknown; defaultAgent?: unknown };
  if (typeof agents !== 'object' || agents === null || Array.isArray(agents))
    throw bad('agents', 'expected an object of profiles by name');
  for (const [name, profile] of Object.entries(agents)) {
    if (typeof profile !== 'object' || profile === null)
      throw bad(`agents.${name}`, 'expected an object');
    for (const [key, value] of Object.entries(profile)) {
      const problem = checkValue(key, value);
      if (problem !== undefined) throw bad(`agents.${name}.${key}`, problem);
    }
  }
  if (defaultAgent !== undefined && typeof defaultAgent !== 'string')
    throw bad('defaultAgent', 'expected a string');
  return {
    file,
    agents: agents as Record<string, Partial<AgentProfile>>,
    ...(defaultAgent !== undefined ? { defaultAgent } : {}),
  };
}

/** --config FILE, else the nearest ccglm.config.json, else no custom profiles. */
export function readAgentConfig(options: { configPath?: string; cwd: string }): AgentConfig {
  const file = options.configPath ?? findConfig(options.cwd);
  return file === undefined ? { agents: {} } : loadAgentConfig(path.resolve(options.cwd, file));
}
