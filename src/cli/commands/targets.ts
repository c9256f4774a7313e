import { CcglmError, ExitCode } from '../../errors.js';
import { existingFile, positiveNumber, type CommandSpec } from '../spec.js';

const ACTIONS = ['list', 'check', 'install', 'here'] as const;

export const targetsCommand: CommandSpec = {
  name: 'targets',
  summary: 'The machines tasks can run on (this one, ccglm.config.json targets)',
  detail:
    'This machine and the targets in ccglm.config.json, with reachability, ccglm and agent there, and gate state.',
  positionals: [
    {
      name: 'action',
      type: 'string',
      choices: ACTIONS,
      default: 'list',
      describe:
        'list: probe every target; check NAME: probe one and run its gate; install NAME: this ccglm there (npm, under its workdir); here: what this machine says of itself (what list asks a target over SSH)',
    },
    { name: 'name', type: 'string', describe: 'the target, for check and install' },
  ],
  options: {
    json: { type: 'boolean', default: false, describe: 'one line of JSON' },
    config: {
      type: 'string',
      check: existingFile,
      complete: 'file',
      describe: 'the config file (default: ccglm.config.json here or in a folder above)',
    },
    timeout: {
      type: 'number',
      default: 20,
      check: positiveNumber,
      describe: 'seconds to wait for each target',
    },
  },
  examples: [
    ['ccglm targets check macmini', 'probe one target and run its gate'],
    [
      'ccglm targets install macmini',
      'install this ccglm on macmini (Node there is checked first)',
    ],
  ],
  run: async (args) => {
    const action = args['action'] as (typeof ACTIONS)[number];
    const name = args['name'] as string | undefined;
    if ((action === 'check' || action === 'install') && name === undefined)
      throw new CcglmError(
        `targets ${action} needs the target name: ccglm targets ${action} NAME`,
        ExitCode.usage,
      );
    const { checkTarget, installTarget, listTargets, printHere } =
      await import('../targets-run.js');
    const input = {
      cwd: process.cwd(),
      env: process.env,
      ...(args['config'] !== undefined ? { configPath: args['config'] as string } : {}),
      json: args['json'] === true,
      timeoutMs: (args['timeout'] as number) * 1000,
      write: (text: string) => void process.stdout.write(text),
    };
    process.exitCode =
      action === 'install'
        ? await installTarget(name as string, input)
        : action === 'check'
          ? await checkTarget(name as string, input)
          : action === 'here'
            ? await printHere(input)
            : await listTargets(input);
  },
};
