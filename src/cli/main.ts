import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CcglmError, ExitCode } from '../errors.js';
import { packageVersion } from '../paths.js';
import { closest } from '../closest.js';
import { scanArgs } from './argv-check.js';
import { lastValueWins, optionWords } from './option-words.js';
import { modules, specs } from './commands/index.js';
import { headlessUsage } from './commands/headless.js';
import { jobSubcommand, jobSubcommandNames } from './commands/job.js';
import { topLevelHelp } from './help.js';
import { buildCommand, usageOf, type Args, type CommandSpec } from './spec.js';

/**
 * A reader that went away (`| head -2`, `| less` then q) silences that stream; the command goes on
 * to its end (a run still supervises its agents and writes the plan). Without a listener, Node turns
 * the EPIPE into an uncaught exception.
 */
function quietWhenClosed(stream: NodeJS.WriteStream): void {
  stream.on('error', () => undefined);
}

/**
 * yargs' `Unknown arguments: max-retries, maxRetries` (an option, in both spellings) as
 * `unknown option --max-retries`, and an extra word as `unexpected argument "x"`.
 */
function unknownArgument(
  message: string,
  args: readonly string[],
  known: readonly string[],
): string | undefined {
  const name = /^Unknown arguments?: ([^,\s]+)/.exec(message)?.[1];
  if (name === undefined) return undefined;
  const flag = args.find((a) => [`--${name}`, `-${name}`].includes(a.split('=')[0] as string));
  if (flag === undefined) return `unexpected argument ${JSON.stringify(name)}`;
  const near = closest(name, known);
  return `unknown option ${flag.split('=')[0]}${near !== undefined ? `; did you mean --${near}?` : ''}`;
}

/**
 * yargs' `Invalid values:\n  Argument: provider, Given: "foo", Choices: "zai", "anthropic"` as the
 * tables' one line: `--provider "foo": expected one of zai, anthropic`.
 */
function invalidChoice(message: string): string | undefined {
  const match = /Argument: ([\w-]+), Given: (.+?), Choices: (.+)$/m.exec(message);
  if (match === null) return undefined;
  const [, name, given, choices] = match as unknown as [string, string, string, string];
  return `--${name} ${given}: expected one of ${choices.replaceAll('"', '')}`;
}

/** The long option names a yargs instance knows (yargs' record, not in its type declarations). */
function knownOptions(y: unknown): string[] {
  const options = (y as { getOptions?: () => { key?: Record<string, unknown> } }).getOptions?.();
  return Object.keys(options?.key ?? {}).filter((k) => k.length > 1 && !/[A-Z]/.test(k));
}

/** yargs set up the same way for every command: strict, help, usage errors as CcglmError (exit 2). */
function parser(
  args: readonly string[],
  scriptName: string,
  help = `${scriptName} --help`,
  repeatable?: ReadonlySet<string>,
): Argv {
  const instance = yargs([...args]);
  return instance
    .scriptName(scriptName)
    .parserConfiguration({ 'populate--': true })
    .middleware((argv) => lastValueWins(argv, args, repeatable), true)
    .strict()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      const line =
        unknownArgument(message, args, knownOptions(instance)) ?? invalidChoice(message) ?? message;
      throw new CcglmError(
        line.includes(' --help') ? line : `${line} (see ${help})`,
        ExitCode.usage,
      );
    })
    .help()
    .alias('h', 'help')
    .version(false);
}

/**
 * `--` ends the options, as everywhere (`ccglm run -- -odd-plan.md`); yargs gives no positional
 * what follows it, so the words after it are positionals here (paths and ids: one that starts with
 * `-` as `./-…`).
 */
function endOfOptions(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  if (end === -1) return [...args];
  const after = args.slice(end + 1).map((word) => (word.startsWith('-') ? `./${word}` : word));
  return [...args.slice(0, end), ...after];
}

/**
 * A table command: the arguments checked against its table (argv-check.ts), then parsed by yargs as
 * the default command (`$0`) of a parser of its own: yargs caches no help text for a default command,
 * and only this command's builder runs. The command runs once yargs has returned.
 */
async function runSpec(spec: CommandSpec, args: readonly string[]): Promise<void> {
  const wantsHelp = optionWords(args).some((a) => a === '--help' || a === '-h');
  const { given } = wantsHelp ? { given: new Set<string>() } : scanArgs(spec, args);
  const describe = spec.detail !== undefined ? `${spec.summary}\n\n${spec.detail}` : spec.summary;
  const repeatable = new Set(
    Object.entries(spec.options)
      .filter(([, option]) => option.repeatable === true)
      .map(([name]) => name),
  );
  const parsed = (await parser(endOfOptions(args), `ccglm ${spec.name}`, undefined, repeatable)
    .command({
      command: `$0 ${usageOf(spec).slice(spec.name.length).trim()}`.trim(),
      describe,
      builder: (y) => buildCommand(spec, y),
      handler: () => undefined,
    })
    .parseAsync()) as Args;
  await spec.run(parsed, given);
}

function unknownCommand(name: string): CcglmError {
  const names = [...specs.map((s) => s.name), ...modules.map((m) => m.name), 'help'];
  const hint = closest(name, names);
  return new CcglmError(
    `unknown command ${name}${hint !== undefined ? `; did you mean ${hint}?` : ''} (see ccglm --help)`,
    ExitCode.usage,
  );
}

/** As cc-glm-job.sh: `unknown command: X` (here with the closest one), exit 2. */
function unknownJobCommand(name: string): CcglmError {
  const hint = closest(name, jobSubcommandNames);
  return new CcglmError(
    `unknown command: ${name}${hint !== undefined ? `; did you mean ${hint}?` : ''} (see ccglm job --help)`,
    ExitCode.usage,
  );
}

async function dispatch(name: string, given: readonly string[]): Promise<void> {
  let args = given;
  // `--version` is known everywhere (as in gh and turbo): one version, whatever the command
  // (headless prints it in the line of cc-glm-headless.sh).
  // `-v` as the first word after `ccglm` or `ccglm job` (as in node and npm; no command has a -v).
  if (
    name !== 'headless' &&
    (optionWords(args).includes('--version') || (name === 'job' && args[0] === '-v'))
  ) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  const spec = specs.find((s) => s.name === name);
  if (spec !== undefined) return runSpec(spec, args);
  const kept = modules.find((m) => m.name === name);
  if (kept === undefined) throw unknownCommand(name);
  if (name === 'job') {
    // As cc-glm-job.sh: no command or `help` prints the usage (exit 0), an unknown one is exit 2.
    const [sub] = args;
    if (sub === undefined) args = ['--help'];
    // `ccglm job help status`: that command's help (the runner's `help` printed its usage).
    else if (sub === 'help') {
      const [, asked] = args;
      if (asked !== undefined && !jobSubcommandNames.includes(asked))
        throw unknownJobCommand(asked);
      args = [...args.slice(1, 2), '--help'];
    } else if (sub.startsWith('-') && sub !== '--help' && sub !== '-h')
      throw new CcglmError(
        `ccglm job needs its command first: ccglm job <command> [options] (see ccglm job --help)`,
        ExitCode.usage,
      );
    else if (!sub.startsWith('-') && !jobSubcommandNames.includes(sub))
      throw unknownJobCommand(sub);
  }
  // A job command or headless: the default command of a parser of its own, as a table's (runSpec).
  const own = name === 'job' ? jobSubcommand(args[0] ?? '') : { ...kept.module, command: '$0' };
  if (own !== undefined) {
    const [script, rest] =
      name === 'job' ? [`ccglm job ${args[0]}`, args.slice(1)] : ['ccglm headless', args];
    // A usage set before the command is the only one: yargs adds the command's own line otherwise.
    const y = parser(rest, script);
    await (name === 'headless' ? y.usage(headlessUsage) : y).command(own).parseAsync();
    return;
  }
  // `ccglm job --help`: the list of job commands.
  await parser([name, ...args], 'ccglm', `ccglm ${name} --help`)
    .command(kept.module)
    .parseAsync();
}

/** The only place that exits: errors carry their exit code up to here. */
async function main(argv: string[]): Promise<void> {
  quietWhenClosed(process.stdout);
  quietWhenClosed(process.stderr);
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    process.stdout.write(topLevelHelp(packageVersion()));
    return;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (first === '__complete') {
    // The shell's completion function asking (see complete.ts); never an error.
    const { complete } = await import('./complete.js');
    const out = complete(rest);
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    return;
  }
  if (first === 'help') {
    // `ccglm help job status`: a job command's own help.
    const [command, ...more] = rest;
    if (command === undefined || command === 'help')
      process.stdout.write(topLevelHelp(packageVersion()));
    else await dispatch(command, [...more.slice(0, 1), '--help']);
    return;
  }
  if (first.startsWith('-'))
    throw new CcglmError(
      `unknown option ${first}: give a command first (see ccglm --help)`,
      ExitCode.usage,
    );
  await dispatch(first, rest);
}

main(hideBin(process.argv)).catch((error: unknown) => {
  if (error instanceof CcglmError) {
    if (error.message) process.stderr.write(`ccglm: ${error.message}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `ccglm: internal error: ${message}\n(set CCGLM_DEBUG=1 for the stack trace, and please report it)\n`,
  );
  if (process.env['CCGLM_DEBUG'] === '1' && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  process.exitCode = 70;
});
