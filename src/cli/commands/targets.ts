import type { CommandModule } from 'yargs';
import { CcglmError, ExitCode } from '../../errors.js';

interface TargetsArgs {
  action: string;
  name?: string;
  json: boolean;
  config?: string;
  timeout: number;
}

const ACTIONS = ['list', 'check', 'here'] as const;

export const targetsCommand: CommandModule<object, TargetsArgs> = {
  command: 'targets [action] [name]',
  describe:
    'The machines tasks can run on: this one and the targets in ccglm.config.json, with reachability, ccglm and agent there, and gate state',
  builder: (yargs) =>
    yargs
      .positional('action', {
        type: 'string',
        choices: ACTIONS,
        default: 'list',
        describe:
          'list: probe every target; check NAME: probe one and run its gate; here: what this machine says of itself (what list asks a target over SSH)',
      })
      .positional('name', { type: 'string', describe: 'the target, for check' })
      .option('json', { type: 'boolean', default: false, describe: 'one line of JSON' })
      .option('config', {
        type: 'string',
        describe: 'the config file (default: ccglm.config.json here or in a folder above)',
      })
      .option('timeout', {
        type: 'number',
        default: 20,
        describe: 'seconds to wait for each target',
      })
      .check((args) => {
        if (args.action === 'check' && args.name === undefined)
          throw new CcglmError(
            'targets check needs the target name: ccglm targets check NAME',
            ExitCode.usage,
          );
        if (!(args.timeout > 0))
          throw new CcglmError(
            `--timeout: expected seconds > 0, got ${String(args.timeout)}`,
            ExitCode.usage,
          );
        return true;
      }) as never,
  handler: async (args) => {
    const { checkTarget, listTargets, printHere } = await import('../targets-run.js');
    const input = {
      cwd: process.cwd(),
      env: process.env,
      ...(args.config !== undefined ? { configPath: args.config } : {}),
      json: args.json,
      timeoutMs: args.timeout * 1000,
      write: (text: string) => void process.stdout.write(text),
    };
    process.exitCode =
      args.action === 'check'
        ? await checkTarget(args.name as string, input)
        : args.action === 'here'
          ? await printHere(input)
          : await listTargets(input);
  },
};
