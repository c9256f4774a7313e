/**
 * A command as plain data: its positionals and options (yargs option objects plus a value check and
 * a completion kind), one summary line, examples, and the function that runs it. The same table
 * drives the parser (yargs), the value checks (argv-check.ts), the help, shell completion and the
 * README's command reference (checked by test/cli/reference.test.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Argv, Options, PositionalOptions } from 'yargs';
import { isTaskId } from '../plan/values.js';

/** A value check: undefined when the value is fine, else what was expected ("a whole number ≥ 1"). */
export type Check = (value: string) => string | undefined;

/** What shell completion offers for a value: task ids read from the plan, files, folders. */
export type Completion = 'task' | 'plan' | 'file' | 'dir';

export interface OptionSpec extends Options {
  check?: Check;
  complete?: Completion;
  /** Given again, it adds to its values (`--ignore A --ignore B`); else the last one given wins. */
  repeatable?: true;
}

export interface PositionalSpec extends PositionalOptions {
  name: string;
  /** Required (`<plan>`), else optional (`[plan]`). */
  required?: boolean;
  /** Takes the rest of the arguments (`<plans..>`). */
  variadic?: boolean;
  check?: Check;
  complete?: Completion;
}

/** Parsed arguments: yargs' argv, by option name. */
export type Args = Record<string, unknown>;

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** More text for the command's own help. */
  detail?: string;
  positionals: PositionalSpec[];
  options: Record<string, OptionSpec>;
  examples?: [command: string, what: string][];
  /** Runs the command; `given` holds the options typed on the command line (not defaulted). */
  run: (args: Args, given: ReadonlySet<string>) => Promise<void>;
}

/** `run <plan>`, `validate <plans..>`, `clean [plan]`. */
export function usageOf(spec: CommandSpec): string {
  const positionals = spec.positionals.map((p) => {
    const name = `${p.name}${p.variadic === true ? '..' : ''}`;
    return p.required === true ? `<${name}>` : `[${name}]`;
  });
  return [spec.name, ...positionals].join(' ');
}

/** The yargs builder of a command: its positionals, options and examples. */
export function buildCommand(spec: CommandSpec, y: Argv): Argv {
  let out = y;
  for (const {
    name,
    check: _check,
    complete: _complete,
    required,
    variadic,
    ...rest
  } of spec.positionals)
    out = out.positional(name, {
      ...rest,
      ...(variadic === true ? { array: true } : {}),
      ...(required === true ? { demandOption: true } : {}),
    }) as Argv;
  for (const [
    name,
    { check: _check, complete: _complete, repeatable: _r, ...rest },
  ] of Object.entries(spec.options))
    out = out.option(name, rest);
  for (const [command, what] of spec.examples ?? []) out = out.example(command, what);
  return out;
}

// Value checks shared by the commands.

export const wholeNumber =
  (min: number): Check =>
  (value) =>
    /^\d+$/.test(value) && Number(value) >= min ? undefined : `a whole number ≥ ${min}`;

export const positiveNumber: Check = (value) =>
  /^\d+(\.\d+)?$|^\.\d+$/.test(value) && Number(value) > 0 ? undefined : 'a number > 0';

/** `--concurrency`: a whole number ≥ 1, or `unlimited` (also `0`, as `xargs -P 0`). */
export const concurrencyCheck: Check = (value) =>
  /^(unlimited|inf|infinity|0)$/i.test(value) || wholeNumber(1)(value) === undefined
    ? undefined
    : 'a whole number ≥ 1, or "unlimited" (also 0) for no limit';

/** An age such as 7d, 12h, 30m, 2w or 0. */
export const ageCheck: Check = (value) =>
  /^(\d+(?:\.\d+)?)([smhdw]?)$/.test(value.trim()) ? undefined : 'an age like 7d, 12h, 30m or 2w';

/** Task ids, comma-separated (`T1,T3`). */
export const taskIdsCheck: Check = (value) => {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  return ids.length > 0 && ids.every((id) => isTaskId(id))
    ? undefined
    : 'task ids such as T2 (comma-separated for several)';
};

export const taskIdCheck: Check = (value) => (isTaskId(value) ? undefined : 'a task id such as T2');

export const existingDir: Check = (value) =>
  existsSync(value) && statSync(value).isDirectory() ? undefined : 'an existing folder';

/** A folder to create things in: an empty one, or a new one in an existing folder. */
export const newOrEmptyDir: Check = (value) => {
  if (existsSync(value))
    return statSync(value).isDirectory() && readdirSync(value).length === 0
      ? undefined
      : 'a new or empty folder';
  return existingDir(path.dirname(path.resolve(value))) === undefined
    ? undefined
    : 'a new or empty folder, in an existing folder';
};

export const existingFile: Check = (value) =>
  existsSync(value) && statSync(value).isFile() ? undefined : 'an existing file';

/** Not empty: a path or a name. */
export const nonEmpty: Check = (value) => (value.trim().length > 0 ? undefined : 'a value');
