import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CcglmError, ExitCode } from '../errors.js';
import { commands } from './commands/index.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';

function packageVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

/**
 * yargs renders the command's whole help text right after starting its handler, in case the handler
 * later asks for it (showHelp); ccglm's handlers never do, and the rendering held up every command's
 * start by ~13 ms (a run's first agents wait for it). Help itself (--help, and the usage errors,
 * which name `ccglm --help`) does not use the cache. yargs 18's usage instance, reached through its
 * internal methods; left alone if that ever changes.
 */
function skipHelpCache(cli: unknown): void {
  const internal = cli as { getInternalMethods?: () => { getUsageInstance?: () => unknown } };
  const usage = internal.getInternalMethods?.().getUsageInstance?.() as
    { cacheHelpMessage?: () => void } | undefined;
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/**
 * A reader that went away (`| head -2`, `| less` then q) silences that stream; the command goes on
 * to its end (a run still supervises its agents and writes the plan). Without a listener, Node turns
 * the EPIPE into an uncaught exception.
 */
function quietWhenClosed(stream: NodeJS.WriteStream): void {
  stream.on('error', () => undefined);
}

/** The only place that exits: errors carry their exit code up to here. */
async function main(argv: string[]): Promise<void> {
  quietWhenClosed(process.stdout);
  quietWhenClosed(process.stderr);
  let cli = yargs(argv)
    .scriptName('ccglm')
    .usage(
      'ccglm <command> [options]\n\nCompile, check, preview and run <topic>-plan.md task plans with headless coding agents.',
    )
    .parserConfiguration({ 'populate--': true })
    .strict()
    .demandCommand(1, 'Give a command; see ccglm --help.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      throw new CcglmError(`${message}\nRun 'ccglm --help' for usage.`, ExitCode.usage);
    })
    .help()
    .alias('h', 'help')
    .version(packageVersion());
  for (const command of commands) cli = cli.command(command);
  skipHelpCache(cli);
  await cli.parseAsync();
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
