/**
 * The command line checked against a command's table before yargs reads it: an unknown option is
 * named as such with the closest known one (yargs would first complain about a missing positional
 * that the unknown flag swallowed), every value is checked where it enters (numbers, choices,
 * durations, ids, paths), positionals are counted. One line, exit 2.
 */
import { CcglmError, ExitCode } from '../errors.js';
import { closest } from '../closest.js';
import { usageOf, type CommandSpec, type OptionSpec } from './spec.js';

export interface Scanned {
  /** Options typed on the command line, by their table name. */
  given: Set<string>;
  positionals: string[];
}

const camelToKebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const usage = (spec: CommandSpec, message: string) =>
  new CcglmError(`${message} (see ccglm help ${spec.name})`, ExitCode.usage);

/** A value against its option's or positional's choices and check; throws the one-line usage error. */
function checkValue(
  spec: CommandSpec,
  flag: string,
  option: Pick<OptionSpec, 'choices' | 'check' | 'complete'>,
  value: string,
): void {
  const choices = option.choices as readonly unknown[] | undefined;
  // A path given empty (`--log-dir ''`) would silently mean the current folder or the default.
  const emptyPath =
    option.complete !== undefined && option.complete !== 'task' && value.trim() === ''
      ? 'a path, not an empty value'
      : undefined;
  const expected =
    choices !== undefined && !choices.map(String).includes(value)
      ? `one of ${choices.join(', ')}`
      : (emptyPath ?? option.check?.(value));
  if (expected !== undefined)
    throw usage(spec, `${flag} ${JSON.stringify(value)}: expected ${expected}`);
}

/** Checks `args` (after the command name) against the command's table; throws a usage error. */
export function scanArgs(spec: CommandSpec, args: readonly string[]): Scanned {
  const byName = new Map<string, [string, OptionSpec]>();
  for (const [name, option] of Object.entries(spec.options)) {
    byName.set(name, [name, option]);
    for (const alias of [option.alias ?? []].flat()) byName.set(alias, [name, option]);
  }
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const token = args[i] as string;
    if (token === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (token === '-' || !token.startsWith('-') || /^-\d/.test(token)) {
      positionals.push(token);
      continue;
    }
    const [rawName, inline] = splitToken(token);
    if (rawName === 'help' || rawName === 'h') continue;
    let name = camelToKebab(rawName);
    let negated = false;
    if (
      !byName.has(name) &&
      name.startsWith('no-') &&
      byName.get(name.slice(3))?.[1].type === 'boolean'
    ) {
      name = name.slice(3);
      negated = true;
    }
    const found = byName.get(name);
    if (found === undefined) {
      const hint = closest(
        rawName,
        [...byName.keys()].filter((k) => k.length > 1),
      );
      throw usage(
        spec,
        `unknown option ${token.split('=')[0]} for ccglm ${spec.name}${hint !== undefined ? `; did you mean --${hint}?` : ''}`,
      );
    }
    const [key, option] = found;
    given.add(key);
    const flag = `--${key}`;
    if (option.type === 'boolean') {
      if (inline !== undefined && (negated || !/^(true|false)$/.test(inline)))
        throw usage(spec, `${flag} is a switch: give it alone (or --no-${key}), not =${inline}`);
      continue;
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    else {
      const isValue = (next: string | undefined) =>
        next !== undefined && next !== '--' && (!next.startsWith('-') || /^-\d/.test(next));
      if (!isValue(args[i + 1])) throw usage(spec, `${flag} needs a value`);
      values.push(args[(i += 1)] as string);
      if (option.array === true) while (isValue(args[i + 1])) values.push(args[(i += 1)] as string);
    }
    for (const value of values) checkValue(spec, flag, option, value);
  }
  checkPositionals(spec, positionals);
  return { given, positionals };
}

function splitToken(token: string): [string, string | undefined] {
  const body = token.replace(/^--?/, '');
  const eq = body.indexOf('=');
  return eq < 0 ? [body, undefined] : [body.slice(0, eq), body.slice(eq + 1)];
}

function checkPositionals(spec: CommandSpec, positionals: string[]): void {
  const variadic = spec.positionals.some((p) => p.variadic === true);
  spec.positionals.forEach((p, i) => {
    const value = positionals[i];
    if (value === undefined) {
      if (p.required === true)
        throw usage(
          spec,
          `ccglm ${spec.name} needs ${p.name.toUpperCase()}: ccglm ${usageOf(spec)} [options]`,
        );
      return;
    }
    const values = p.variadic === true ? positionals.slice(i) : [value];
    for (const v of values) checkValue(spec, p.name.toUpperCase(), p, v);
  });
  if (!variadic && positionals.length > spec.positionals.length)
    throw usage(
      spec,
      `unexpected argument ${JSON.stringify(positionals[spec.positionals.length])}`,
    );
}
