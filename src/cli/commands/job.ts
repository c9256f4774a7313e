import type { Argv, CommandModule } from 'yargs';
import { CcglmError } from '../../errors.js';
import type * as JobHandlers from '../../jobs/commands.js';
import type { JobIo } from '../../jobs/commands.js';

// Thin yargs shell over src/jobs (loaded lazily so other commands never load node-pty).
type Handlers = typeof JobHandlers;

async function run(
  pick: (
    handlers: Handlers,
  ) => (args: Record<string, unknown>, io: JobIo) => number | Promise<number>,
  argv: Record<string, unknown>,
): Promise<void> {
  const handlers = await import('../../jobs/commands.js');
  const io = {
    out: (text: string) => process.stdout.write(`${text}\n`),
    write: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(`${text}\n`),
    env: process.env,
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
    describe: 'artifact folder (default $CC_GLM_LOG_DIR or /tmp/cc-glm-jobs)',
  });
const beads = (y: Argv, demand = false) =>
  y.option('beads', { type: 'string', describe: 'job id ([A-Za-z0-9._-])', demandOption: demand });
const stall = (y: Argv) =>
  y
    .option('stall-minutes', {
      type: 'number',
      describe:
        'no log growth and no CPU progress for this long = stalled (default 20; fractions allowed)',
    })
    .option('stall-seconds', {
      type: 'number',
      describe: 'the stall threshold in seconds (overrides --stall-minutes)',
    })
    .option('grace-seconds', {
      type: 'number',
      describe: 'silence allowed after launch (default: the stall threshold)',
    });
const reading = (y: Argv) =>
  y
    .option('json', { type: 'boolean', describe: 'machine-readable output' })
    .option('no-ansi', {
      type: 'boolean',
      describe: 'strip ANSI escapes (CSI, OSC, cursor movement)',
    })
    .option('show-overrides', { type: 'boolean', describe: 'add the override column' });
const gateTarget = (y: Argv) =>
  beads(logDir(y))
    .option('worktree', {
      type: 'string',
      describe: 'the worktree to check (instead of the job’s)',
    })
    .option('json', { type: 'boolean', describe: 'machine-readable output' });
// `--no-ansi` and `--no-auto-restart` are flags of their own, not negations (as in the shell runner).
const noNegation = (y: Argv) =>
  y.parserConfiguration({ 'boolean-negation': false, 'populate--': true });

const subcommands: CommandModule[] = [
  {
    command: 'start',
    describe: 'start a detached job (agent argv after --; default ccglm headless --prompt-file F)',
    builder: (y) =>
      beads(logDir(y), true)
        .option('prompt-file', {
          type: 'string',
          demandOption: true,
          describe: 'the prompt file ($CCGLM_PROMPT_FILE for the agent)',
        })
        .option('repo', { type: 'string', describe: 'repo label kept in meta' })
        .option('worktree', { type: 'string', describe: 'folder the agent runs in' })
        .option('pty', { type: 'boolean', describe: 'run the agent in a pseudo-terminal' }),
    handler: (argv) => run((h) => h.start, argv),
  },
  {
    command: 'status',
    describe: 'table of jobs: state, elapsed, log bytes, retries, outcome',
    builder: (y) => reading(beads(logDir(y))),
    handler: (argv) => run((h) => h.status, argv),
  },
  {
    command: 'check',
    describe: 'one job’s health; exit 0 ok, 1 missing, 2 stalled, 3 exited_err/blocked',
    builder: (y) => stall(beads(logDir(y), true)).option('json', { type: 'boolean' }),
    handler: (argv) => run((h) => h.check, argv),
  },
  {
    command: 'health',
    describe: 'health of every job (CPU of the whole process tree, log growth, worktree changes)',
    builder: (y) => reading(stall(beads(logDir(y)))),
    handler: (argv) => run((h) => h.health, argv),
  },
  {
    command: 'tail',
    describe: 'the end of a job’s log',
    builder: (y) =>
      beads(logDir(y), true)
        .option('lines', { type: 'number', default: 20, describe: 'how many lines' })
        .option('no-ansi', { type: 'boolean', describe: 'strip ANSI escapes' })
        .option('follow', {
          alias: 'f',
          type: 'boolean',
          describe: 'keep printing until the job ends',
        }),
    handler: (argv) => run((h) => h.tail, argv),
  },
  {
    command: 'restart',
    describe: 'stop, rotate log and outcome, relaunch with retries+1',
    builder: (y) =>
      beads(logDir(y), true)
        .option('pty', { type: 'boolean', describe: 'run the new attempt in a PTY' })
        .option('preserve-contract', {
          type: 'boolean',
          describe: 'refuse if model/base_url/timeout_ms changed',
        }),
    handler: (argv) => run((h) => h.restart, argv),
  },
  {
    command: 'stop',
    describe: 'TERM the job’s process group, KILL after a second; records the outcome',
    builder: (y) => beads(logDir(y), true),
    handler: (argv) => run((h) => h.stop, argv),
  },
  {
    command: 'watchdog',
    describe: 'restart stalled jobs (up to --max-retries), then mark them blocked',
    builder: (y) =>
      stall(beads(logDir(y)))
        .option('interval', { type: 'number', default: 60, describe: 'seconds between passes' })
        .option('max-retries', { type: 'number', default: 1, describe: 'restarts before blocked' })
        .option('once', { type: 'boolean', describe: 'one pass, then exit' })
        .option('observe-only', { type: 'boolean', describe: 'report, never restart or block' })
        .option('no-auto-restart', {
          type: 'boolean',
          describe: 'block stalled jobs instead of restarting',
        })
        .option('pidfile', {
          type: 'string',
          describe: 'write the watchdog pid here while it runs',
        }),
    handler: (argv) => run((h) => h.watchdog, argv),
  },
  {
    command: 'set-override',
    describe: 'per-job no-auto-restart (no value: print the setting)',
    builder: (y) =>
      beads(logDir(y), true).option('no-auto-restart', {
        type: 'string',
        describe: 'true or false',
      }),
    handler: (argv) => run((h) => h.setOverride, argv),
  },
  {
    command: 'preflight',
    describe: 'can jobs start here (log dir, git, PTY, auth, job files)',
    builder: (y) => beads(logDir(y)).option('json', { type: 'boolean' }),
    handler: (argv) => run((h) => h.preflight, argv),
  },
  {
    command: 'baseline-gate',
    describe: 'exit 0 when the worktree contains --required-baseline SHA, else 4',
    builder: (y) =>
      gateTarget(y).option('required-baseline', { type: 'string', demandOption: true }),
    handler: (argv) => run((h) => (a, io) => h.gate('baseline-gate', a, io), argv),
  },
  {
    command: 'integrity-gate',
    describe: 'exit 0 when --reported-commit exists on --branch (default HEAD), else 4',
    builder: (y) =>
      gateTarget(y)
        .option('reported-commit', { type: 'string', demandOption: true })
        .option('branch', { type: 'string' }),
    handler: (argv) => run((h) => (a, io) => h.gate('integrity-gate', a, io), argv),
  },
  {
    command: 'feature-key-gate',
    describe: 'exit 0 when every commit in base..branch has the Feature-Key trailer, else 4',
    builder: (y) =>
      gateTarget(y)
        .option('feature-key', { type: 'string', demandOption: true })
        .option('branch', { type: 'string' })
        .option('base-branch', { type: 'string' }),
    handler: (argv) => run((h) => (a, io) => h.gate('feature-key-gate', a, io), argv),
  },
];

export const jobCommand: CommandModule = {
  command: 'job <command>',
  describe: 'the job runner: detached, supervised agent jobs (drop-in for cc-glm-job.sh)',
  builder: (yargs) => {
    let y = noNegation(yargs).usage('ccglm job <command> [options]');
    for (const sub of subcommands) y = y.command(sub);
    return y.demandCommand(1, 'Give a job subcommand; see ccglm job --help.');
  },
  handler: () => undefined,
};
