import type { CommandModule } from 'yargs';
import { HEADLESS_VERSION, runHeadless } from '../../agent/headless.js';
import { builtinProfiles } from '../../agent/profiles.js';
import type { Provider } from '../../agent/provider.js';

interface HeadlessArgs {
  prompt?: string;
  'prompt-file'?: string;
  'auth-check'?: boolean;
  version?: boolean;
  agent?: string;
  'agent-cmd'?: string;
  model?: string;
  config?: string;
  provider?: string;
}

const agents = Object.values(builtinProfiles)
  .map((profile) => `  ${profile.name.padEnd(9)} ${profile.description}`)
  .join('\n');

/** Its help's opening (set on the parser before the command: see main.ts). */
export const headlessUsage =
  `ccglm headless [--prompt TEXT | --prompt-file F | < prompt] [--agent NAME | --agent-cmd 'CMD ARGS'] [--model M]\n\n` +
  `Runs the agent in the current folder with the prompt on its stdin (never in argv) and the token in\n` +
  `its environment only; exits with the agent's code (1 no prompt / no agent binary, 2 usage,\n` +
  `10 auth resolution failed, 11 token file missing, unreadable or empty).\n\nAgents:\n${agents}`;

// Thin shell over src/agent/headless.ts; a drop-in for cc-glm-headless.sh.
export const headlessCommand: CommandModule = {
  command: 'headless',
  describe:
    'Resolve auth and run one headless agent with a prompt (drop-in for cc-glm-headless.sh)',
  builder: (yargs) =>
    yargs
      .version(false)
      .option('prompt', {
        type: 'string',
        describe: 'the prompt text',
        defaultDescription: 'stdin',
      })
      .option('prompt-file', {
        type: 'string',
        describe: 'read the prompt from this file',
        defaultDescription: 'stdin',
      })
      .option('auth-check', {
        type: 'boolean',
        default: false,
        describe:
          'only resolve the token: AUTH_CHECK_OK source_category=… (0) or AUTH_CHECK_FAILED (10/11)',
      })
      .option('version', {
        type: 'boolean',
        default: false,
        describe: 'print the headless version',
      })
      .option('agent', {
        type: 'string',
        describe: 'agent profile (see Agents above)',
        defaultDescription: 'defaultAgent of ccglm.config.json, else claude',
      })
      .option('agent-cmd', {
        type: 'string',
        describe:
          'custom agent command line, split into argv without a shell; prompt on stdin and in $CCGLM_PROMPT_FILE',
        defaultDescription: 'none (the --agent profile)',
      })
      .option('model', {
        type: 'string',
        describe: 'model',
        defaultDescription: '$CC_GLM_MODEL, else glm-5 for claude',
      })
      .option('provider', {
        type: 'string',
        choices: ['zai', 'anthropic'],
        describe:
          "claude's API: zai (z.ai endpoint, glm-5, the token below) or anthropic (Claude Code's own key or login, no base URL or model override)",
        defaultDescription: '$CCGLM_PROVIDER, else zai',
      })
      .option('config', {
        type: 'string',
        describe: 'ccglm.config.json with custom agents',
        defaultDescription: 'found from the current folder up',
      })
      .conflicts('prompt', 'prompt-file')
      .conflicts('agent', 'agent-cmd'),
  handler: async (argv) => {
    const args = argv as HeadlessArgs;
    if (args.version === true) {
      process.stdout.write(`ccglm headless version ${HEADLESS_VERSION}\n`);
      return;
    }
    process.exitCode = await runHeadless(
      {
        ...(args.prompt !== undefined ? { prompt: args.prompt } : {}),
        ...(args['prompt-file'] !== undefined ? { promptFile: args['prompt-file'] } : {}),
        ...(args['auth-check'] === true ? { authCheck: true } : {}),
        ...(args.agent !== undefined ? { agent: args.agent } : {}),
        ...(args['agent-cmd'] !== undefined ? { agentCmd: args['agent-cmd'] } : {}),
        ...(args.model !== undefined ? { model: args.model } : {}),
        ...(args.config !== undefined ? { configPath: args.config } : {}),
        ...(args.provider !== undefined ? { provider: args.provider as Provider } : {}),
      },
      {
        env: process.env,
        cwd: process.cwd(),
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        isRoot: process.getuid?.() === 0,
      },
    );
  },
};
