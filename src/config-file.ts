/**
 * ccglm.config.json as one type, the source of schemas/config.schema.json (scripts/gen-schema.mjs),
 * and the reader of its `validate` section. The `agents` section is read by src/agent/config.ts.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findConfig, parseConfigJson, readConfigText } from './agent/config.js';
import { describeSchemaErrors, problemAt, type SchemaError } from './config-problems.js';
import { builtinProfiles, type AgentProfile } from './agent/profiles.js';
import { CcglmError, ExitCode } from './errors.js';
import { packageRoot } from './paths.js';
import type { TargetConfig } from './targets/config.js';

export type { TargetConfig };

/** ccglm.config.json: found in the plan's folder or the nearest folder above it (or --config FILE). */
export interface CcglmConfig {
  /** The schema, for editors: https://github.com/ccglm/ccglm/schemas/config.schema.json */
  $schema?: string;
  /** Custom agent profiles (or overrides of built-in ones) by name. */
  agents?: Record<string, AgentProfileConfig>;
  /** The profile used when --agent is not given. */
  defaultAgent?: string;
  /** Defaults for `ccglm validate` (its flags override them). */
  validate?: ValidateConfig;
  /** Defaults for `ccglm run` (its flags override them; --resume keeps the resumed run's). */
  run?: RunConfig;
  /** Other machines tasks can run on, by name, reached over SSH (`local` is this one). */
  targets?: Record<string, TargetConfig>;
}

/** Defaults for `ccglm run`; relative paths are read from the config file's folder. */
export interface RunConfig {
  /** As --strategy. */
  strategy?: 'waves' | 'eager';
  /** As --concurrency: tasks at once, or "unlimited". */
  concurrency?: ConcurrencySetting;
  /** As --continue. */
  continue?: 'never' | 'dependencies-successful' | 'always';
  /** As --agent: a built-in profile or one of `agents`. */
  agent?: string;
  /** As --model. */
  model?: string;
  /** As --provider. */
  provider?: 'zai' | 'anthropic';
  /** As --worktree-root. */
  worktreeRoot?: string;
  /** As --log-dir. */
  logDir?: string;
  /** As --repos: the repository, or a folder holding the repositories by name. */
  repos?: string;
  /** As --isolation. */
  isolation?: 'task' | 'repo';
  /** As --pty / --no-pty. */
  pty?: boolean;
  /**
   * As --stall-minutes.
   * @exclusiveMinimum 0
   */
  stallMinutes?: number;
}

/** A whole number of tasks at once (at least 1), or "unlimited". */
export type ConcurrencySetting = PositiveInteger | 'unlimited';

/**
 * @asType integer
 * @minimum 1
 */
export type PositiveInteger = number;

export type AgentProfileConfig = Partial<Omit<AgentProfile, 'name' | 'demo'>>;

export interface ValidateConfig {
  /** Diagnostic codes not to report, e.g. ["CCG309", "CCG404"] (as --ignore). */
  ignore?: DiagnosticCode[];
  /** Warnings fail too (as --strict). */
  strict?: boolean;
  /** Report errors only (as --quiet). */
  quiet?: boolean;
}

/**
 * A diagnostic code such as CCG309.
 * @pattern ^[Cc][Cc][Gg][1-4][0-9]{2}$
 */
export type DiagnosticCode = string;

/** Where to look: --config FILE, else the nearest ccglm.config.json from `start` (a folder) upward. */
export interface ConfigLookup {
  config?: string;
  start: string;
}

/** The config file that applies (none: {}), checked against the schema. */
export async function resolveConfig(
  lookup: ConfigLookup,
): Promise<{ file?: string; config: CcglmConfig }> {
  const file = lookup.config !== undefined ? path.resolve(lookup.config) : findConfig(lookup.start);
  if (file === undefined) return { config: {} };
  return { file, config: await loadConfig(file) };
}

/** The `validate` section of the config that applies (none: {}). */
export async function readValidateConfig(
  lookup: ConfigLookup,
): Promise<{ file?: string; validate: ValidateConfig }> {
  const { file, config } = await resolveConfig(lookup);
  return { ...(file !== undefined ? { file } : {}), validate: config.validate ?? {} };
}

/** Reads a config file and checks it against schemas/config.schema.json; one line per problem. */
export async function loadConfig(file: string): Promise<CcglmConfig> {
  const text = readConfigText(file);
  const data = parseConfigJson(file, text);
  const check = await loadChecker();
  if (!check(data))
    throw new CcglmError(
      [
        ...describeSchemaErrors(file, text, check.errors ?? []),
        '(the schema: schemas/config.schema.json)',
      ].join('\n'),
      ExitCode.failure,
    );
  const config = data as CcglmConfig;
  const problems = agentProblems(file, text, config);
  if (problems.length > 0) throw new CcglmError(problems.join('\n'), ExitCode.failure);
  return config;
}

/**
 * What the schema cannot say: an agent named by `run.agent` or `defaultAgent` must exist, and a new
 * agent (not a built-in one it overrides) needs its `command`. Found here, at their lines, not when
 * a run launches its first task.
 */
function agentProblems(file: string, text: string, config: CcglmConfig): string[] {
  const agents = config.agents ?? {};
  const known = [...new Set([...Object.keys(builtinProfiles), ...Object.keys(agents)])];
  const problems: { line: number; text: string }[] = [];
  for (const [name, profile] of Object.entries(agents))
    if (!Object.hasOwn(builtinProfiles, name) && (profile.command ?? '') === '')
      problems.push(
        problemAt(file, text, ['agents', name], `a new agent needs "command" (the program to run)`),
      );
  const named: [string[], string | undefined][] = [
    [['defaultAgent'], config.defaultAgent],
    [['run', 'agent'], config.run?.agent],
  ];
  for (const [where, name] of named)
    if (name !== undefined && !known.includes(name))
      problems.push(
        problemAt(
          file,
          text,
          where,
          `unknown agent "${name}"; expected one of ${known.join(', ')}`,
        ),
      );
  return problems.sort((a, b) => a.line - b.line).map((problem) => problem.text);
}

type Checker = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };

/** The schema compiled by scripts/gen-schema.mjs (ajv at build time, none at start-up). */
async function loadChecker(): Promise<Checker> {
  const url = pathToFileURL(path.join(packageRoot, 'schemas', 'config.schema.check.mjs'));
  return ((await import(url.href)) as { validate: Checker }).validate;
}
