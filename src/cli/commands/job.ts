import type { Argv, CommandModule, Options } from 'yargs';
import { CcglmError } from '../../errors.js';
import type * as JobHandlers from '../../jobs/commands.js';
import { checkValues } from './job-values.js';
import type { JobIo } from '../../jobs/commands.js';

// Thin yargs shell over src/jobs (loaded lazily so other commands never load node-pty).
type Handlers = typeof JobHandlers;

async function run(
  pick: (
    handlers: Handlers,
  ) => (args: Record<string, unknown>, io: JobIo) => number | Promise<number>,
  argv: Record<string, unknown>,
): Promise<void> {
  checkValues(argv, process.argv.slice(2));
  const handlers = await import('../../jobs/commands.js');
  const io = {
    out: (text: string) => process.stdout.write(`${text}\n`),
    write: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
  try {
    process.exitCode = await pick(handlers)(argv, io);
  } catch (error) {
    // A system error (EACCES, ENOSPC, ENOENT…) is the user's situation, not a bug: one line, exit 1.
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new CcglmError((error as Error).message);
    }
    throw error;
  }
}

const logDir = (y: Argv) =>
  y.option('log-dir', {
    type: 'string',
    describe: 'artifact folder',
    defaultDescription: '$CC_GLM_LOG_DIR, else /tmp/cc-glm-jobs',
  });
// Required flags are checked by the handlers, not yargs: a missing one is one line and exit 2.
const beads = (y: Argv, demand = false, otherwise = 'every job') =>
  y.option('beads', {
    type: 'string',
    describe: demand ? 'job id ([A-Za-z0-9._-]) (required)' : 'job id ([A-Za-z0-9._-])',
    ...(demand ? {} : { defaultDescription: otherwise }),
  });
/** As in the runner: a script passing the folder it means refuses to act on another job's. */
const target = (y: Argv) =>
  y.option('worktree', {
    type: 'string',
    describe: "refuse (exit 1) unless this is the job's worktree or a folder inside it",
    defaultDescription: 'no check',
  });
const stall = (y: Argv) =>
  y
    .option('stall-minutes', {
      type: 'number',
      default: 20,
      describe: 'no log growth and no CPU progress for this long = stalled (fractions allowed)',
    })
    .option('stall-seconds', {
      type: 'number',
      describe: 'the stall threshold in seconds (overrides --stall-minutes)',
      defaultDescription: 'none',
    })
    .option('grace-seconds', {
      type: 'number',
      describe: 'silence allowed after launch',
      defaultDescription: 'the stall threshold',
    });
const jsonOut = (y: Argv) =>
  y
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'machine-readable output: one compact JSON line',
    })
    .option('pretty', { type: 'boolean', default: false, describe: 'indent the --json output' });
const noAnsi = (y: Argv) =>
  y.option('no-ansi', {
    type: 'boolean',
    default: false,
    describe: 'strip ANSI escapes (CSI, OSC, cursor movement)',
  });
const reading = (y: Argv) =>
  noAnsi(jsonOut(y))
    .option('show-overrides', {
      type: 'boolean',
      default: false,
      describe: 'add the override column',
    })
    .option('target', {
      type: 'string',
      describe:
        "local, all, or a target of ccglm.config.json: its jobs (under its workdir's logs) read over SSH, in one table with a target column",
      defaultDescription: 'this machine only',
    });
const gateTarget = (y: Argv) =>
  jsonOut(
    beads(logDir(y), false, 'none').option('worktree', {
      type: 'string',
      describe: 'the worktree to check',
      defaultDescription: "the job's (--beads), else the current folder",
    }),
  );
// `--no-ansi` and `--no-auto-restart` are flags of their own, not negations (as in the shell runner).
const noNegation = (y: Argv) =>
  // (A flag given twice keeps its last value, as in the runner: main.ts lastValueWins.)
  y.parserConfiguration({ 'boolean-negation': false, 'populate--': true });

const subcommands: CommandModule[] = [
  {
    command: 'start',
    describe: 'start a detached job (agent argv after --; default ccglm headless --prompt-file F)',
    builder: (y) =>
      beads(logDir(y), true)
        .option('prompt-file', {
          type: 'string',
          describe: 'the prompt file ($CCGLM_PROMPT_FILE for the agent) (required)',
        })
        .option('repo', { type: 'string', describe: 'repo label kept in meta', default: '' })
        .option('worktree', {
          type: 'string',
          describe: 'folder the agent runs in',
          defaultDescription: 'the current folder',
        })
        .option('pty', {
          type: 'boolean',
          default: false,
          describe: 'run the agent in a pseudo-terminal',
        }),
    handler: (argv) => run((h) => h.start, argv),
  },
  {
    command: 'status',
    describe: 'table of jobs: state, elapsed, log bytes, retries, outcome',
    builder: (y) =>
      reading(beads(logDir(y))).option('mutations', {
        type: 'boolean',
        default: false,
        describe: "add the mut column: files changed in the job's worktree since it started",
      }),
    handler: (argv) => run((h) => h.status, argv),
  },
  {
    command: 'check',
    describe: 'one job’s health; exit 0 ok, 1 missing, 2 stalled, 3 exited_err/blocked',
    builder: (y) => target(noAnsi(jsonOut(stall(beads(logDir(y), true))))),
    handler: (argv) => run((h) => h.check, argv),
  },
  {
    command: 'health',
    describe: 'health of every job (CPU of the whole process tree, log growth, worktree changes)',
    builder: (y) => reading(stall(beads(logDir(y)))),
    handler: (argv) => run((h) => h.health, argv),
  },
  {
    command: 'mutations',
    describe: "files changed in the job's worktree since it started (mutation_count: N)",
    builder: (y) => target(beads(logDir(y), true)),
    handler: (argv) => run((h) => h.mutations, argv),
  },
  {
    command: 'tail',
    describe: 'the end of a job’s log',
    builder: (y) =>
      target(noAnsi(beads(logDir(y), true)))
        .option('lines', { type: 'number', default: 20, describe: 'how many lines' })
        .option('follow', {
          alias: 'f',
          type: 'boolean',
          default: false,
          describe: 'keep printing until the job ends',
        }),
    handler: (argv) => run((h) => h.tail, argv),
  },
  {
    command: 'restart',
    describe: 'stop, rotate log and outcome, relaunch with retries+1',
    builder: (y) =>
      target(beads(logDir(y), true))
        .option('pty', {
          type: 'boolean',
          describe: 'run the new attempt in a PTY',
          defaultDescription: 'as the last attempt',
        })
        .option('preserve-contract', {
          type: 'boolean',
          default: false,
          describe: 'refuse if model/base_url/timeout_ms changed',
        }),
    handler: (argv) => run((h) => h.restart, argv),
  },
  {
    command: 'stop',
    describe: 'TERM the job’s process group, KILL after a second; records the outcome',
    builder: (y) => target(beads(logDir(y), true)),
    handler: (argv) => run((h) => h.stop, argv),
  },
  {
    command: 'watchdog',
    describe: 'restart stalled jobs (up to --max-retries), then mark them blocked',
    builder: (y) =>
      stall(beads(logDir(y)))
        .option('interval', { type: 'number', default: 60, describe: 'seconds between passes' })
        .option('max-retries', { type: 'number', default: 1, describe: 'restarts before blocked' })
        .option('once', { type: 'boolean', default: false, describe: 'one pass, then exit' })
        .option('observe-only', {
          type: 'boolean',
          default: false,
          describe: 'report, never restart or block',
        })
        .option('no-auto-restart', {
          type: 'boolean',
          default: false,
          describe: 'block stalled jobs instead of restarting',
        })
        .option('pidfile', {
          type: 'string',
          describe: 'write the watchdog pid here while it runs',
          defaultDescription: 'none',
        }),
    handler: (argv) => run((h) => h.watchdog, argv),
  },
  {
    command: 'set-override',
    describe: 'per-job no-auto-restart (no value: print the setting)',
    builder: (y) =>
      target(beads(logDir(y), true)).option('no-auto-restart', {
        type: 'string',
        describe: 'true: block instead of restarting this job when stalled; false: restart it',
        defaultDescription: 'print the setting',
      }),
    handler: (argv) => run((h) => h.setOverride, argv),
  },
  {
    command: 'preflight',
    describe: 'can jobs start here (claude, auth, model, backend, worktree, log dir, git, PTY)',
    builder: (y) => jsonOut(beads(logDir(y), false, 'none (no job checks)')),
    handler: (argv) => run((h) => h.preflight, argv),
  },
  {
    command: 'baseline-gate',
    describe: 'exit 0 when the worktree contains --required-baseline SHA, else 4',
    builder: (y) =>
      gateTarget(y).option('required-baseline', {
        type: 'string',
        describe: 'the commit HEAD must contain (required)',
      }),
    handler: (argv) => run((h) => (a, io) => h.gate('baseline-gate', a, io), argv),
  },
  {
    command: 'integrity-gate',
    describe: 'exit 0 when --reported-commit is an ancestor of --branch, else 4',
    builder: (y) =>
      gateTarget(y)
        .option('reported-commit', {
          type: 'string',
          describe: 'the commit an agent reported (required)',
        })
        .option('branch', {
          type: 'string',
          describe: 'branch whose head must contain it',
          defaultDescription: 'the current branch',
        }),
    handler: (argv) => run((h) => (a, io) => h.gate('integrity-gate', a, io), argv),
  },
  {
    command: 'feature-key-gate',
    describe: 'exit 0 when every commit in base..branch has a Feature-Key: ID line, else 4',
    builder: (y) =>
      gateTarget(y)
        .option('feature-key', { type: 'string', describe: 'the Feature-Key value (required)' })
        .option('branch', {
          type: 'string',
          describe: 'the branch checked',
          defaultDescription: 'the current branch',
        })
        .option('base-branch', {
          type: 'string',
          describe: 'commits after this one are checked',
          defaultDescription: '$CC_GLM_BASE_BRANCH, else master (main when there is no master)',
        }),
    handler: (argv) => run((h) => (a, io) => h.gate('feature-key-gate', a, io), argv),
  },
];

/**
 * cc-glm-job.sh reads every flag with one parser for every command, so scripts pass flags where
 * they mean nothing (`status --stall-minutes 5`, `stop --no-ansi`, `watchdog --once --no-ansi`).
 * A command that has no such option of its own accepts it, hidden, and ignores it, as the runner
 * did; a flag the runner never had is still an unknown option.
 */
const RUNNER_FLAGS: Record<string, Options> = {
  beads: { type: 'string' },
  'prompt-file': { type: 'string' },
  repo: { type: 'string' },
  worktree: { type: 'string' },
  'log-dir': { type: 'string' },
  'stall-minutes': { type: 'number' },
  interval: { type: 'number' },
  'max-retries': { type: 'number' },
  lines: { type: 'number' },
  pidfile: { type: 'string' },
  once: { type: 'boolean' },
  'observe-only': { type: 'boolean' },
  pty: { type: 'boolean' },
  'no-ansi': { type: 'boolean' },
  'preserve-contract': { type: 'boolean' },
  'show-overrides': { type: 'boolean' },
  json: { type: 'boolean' },
  mutations: { type: 'boolean' },
  // A switch for watchdog, a value (true/false) for set-override: a switch takes either.
  'no-auto-restart': { type: 'boolean' },
};

function withRunnerFlags(sub: CommandModule): CommandModule {
  const own = sub.builder as (y: Argv) => Argv;
  const ignored = new Set<string>();
  return {
    ...sub,
    builder: (y) => {
      let out = own(y);
      // yargs' own record of the options declared so far (not in its type declarations).
      const known = (
        out as unknown as { getOptions(): { key: Record<string, unknown> } }
      ).getOptions().key;
      for (const [name, option] of Object.entries(RUNNER_FLAGS))
        if (!(name in known)) {
          ignored.add(name);
          out = out.option(name, { ...option, hidden: true });
        }
      return out;
    },
    // Ignored as the runner ignored them: never checked, never seen by the command.
    handler: (argv) => {
      const kept = Object.fromEntries(
        Object.entries(argv).filter(
          ([key]) => !ignored.has(key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)),
        ),
      );
      return sub.handler(kept as typeof argv);
    },
  };
}

/** The job commands' names (`start`, `status`…). */
export const jobSubcommandNames = subcommands.map((sub) => String(sub.command));

/**
 * `ccglm job NAME` as the default command (`$0`) of a parser of its own (see main.ts): yargs renders
 * and caches a non-default command's help on every start (~45 ms of a ~190 ms `job status`).
 */
export function jobSubcommand(name: string): CommandModule | undefined {
  const sub = subcommands.find((s) => s.command === name);
  if (sub === undefined) return undefined;
  const flagged = withRunnerFlags(sub);
  const builder = flagged.builder as (y: Argv) => Argv;
  return { ...flagged, command: '$0', builder: (y) => builder(noNegation(y)) };
}

export const jobCommand: CommandModule = {
  command: 'job <command>',
  describe: 'the job runner: detached, supervised agent jobs (drop-in for cc-glm-job.sh)',
  builder: (yargs) => {
    let y = noNegation(yargs).usage('ccglm job <command> [options]');
    for (const sub of subcommands) y = y.command(withRunnerFlags(sub));
    return y.demandCommand(1, 'Give a job subcommand; see ccglm job --help.');
  },
  handler: () => undefined,
};
