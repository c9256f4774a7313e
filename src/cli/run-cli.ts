import path from 'node:path';
import { CcglmError } from '../errors.js';
import { resolveLogDir } from '../jobs/index.js';
import {
  createNdjsonRenderer,
  createPlainRenderer,
  createTtyRenderer,
  REDRAW_MS,
} from '../run/render.js';
import { openRunRecord } from '../report/locate.js';
import { runPlan } from '../run/run.js';
import type { StopSignal } from '../run/run-options.js';

const STOP_SIGNALS: StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
import type { ContinueMode, Strategy } from '../schedule/scheduler.js';
import type { Provider } from '../agent/provider.js';
import type { RunArgs } from './commands/run.js';
import { resolveConfig } from '../config-file.js';
import { withRunConfig } from './run-settings.js';

/** `unlimited` (or 0, as `xargs -P 0` and `parallel -j 0`) means no limit. */
function parseConcurrency(value: string): number {
  if (/^(unlimited|inf|infinity|0)$/i.test(value)) return Infinity;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CcglmError(
      `--concurrency takes a whole number of at least 1, or "unlimited" (also 0) for no limit, not ${value}`,
      2,
    );
  return n;
}

/**
 * The run's exit code; `interrupted` when a signal ended it (the caller exits at once then: what is
 * still under way, a launch or a git command, is not waited for).
 */
export async function runFromCli(
  given: RunArgs,
  typed: ReadonlySet<string> = new Set(),
): Promise<{ exitCode: number; interrupted: boolean }> {
  // ccglm.config.json from the plan's folder upward (or --config): its run section under the flags;
  // --resume keeps the resumed run's settings instead.
  const { file, config } = await resolveConfig({
    ...(given.config !== undefined ? { config: given.config } : {}),
    start: path.dirname(path.resolve(given.plan)),
  });
  const args = (
    given.resume ? given : withRunConfig({ ...given }, typed, file, config.run ?? {})
  ) as RunArgs;
  const write = (text: string) => process.stdout.write(text);
  // The run's event record (for status, report and the ETA), and what earlier runs took.
  const record = openRunRecord(args.plan, process.env);
  const renderer = args.json
    ? createNdjsonRenderer(write)
    : process.stdout.isTTY === true
      ? createTtyRenderer(
          write,
          // A terminal of unknown size (0 × 0: `script`, some CI and container TTYs) gets the usual one.
          () => process.stdout.columns || 100,
          Date.now,
          () => process.stdout.rows || 50,
          record.history,
        )
      : createPlainRenderer(write, record.history);
  const ticker =
    renderer.tick !== undefined
      ? setInterval(() => renderer.tick?.(Date.now()), REDRAW_MS)
      : undefined;
  // The first Ctrl-C (or TERM) stops gracefully (or leaves the jobs running with --detach); a second
  // one stops everything at once.
  let signals = 0;
  let interrupt: (signal: StopSignal) => void = () => {};
  let force: (signal: StopSignal) => void = () => {};
  const interrupted = new Promise<StopSignal>((resolve) => (interrupt = resolve));
  const forced = new Promise<StopSignal>((resolve) => (force = resolve));
  const onSignal = (signal: StopSignal) => {
    signals += 1;
    (signals === 1 ? interrupt : force)(signal);
  };
  // A closed terminal (SIGHUP) detaches the run: its jobs go on, --resume adopts them.
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    const exitCode = await runPlan({
      plan: args.plan,
      dryRun: args['dry-run'],
      // Not given: the defaults, or with --resume the resumed run's (see runPlan).
      ...(args.strategy !== undefined ? { strategy: args.strategy as Strategy } : {}),
      ...(args.concurrency !== undefined
        ? { concurrency: parseConcurrency(args.concurrency) }
        : {}),
      continue: args.continue as ContinueMode,
      ...(args.only !== undefined
        ? {
            only: [args.only]
              .flat()
              .flatMap((id) => id.split(','))
              .filter(Boolean),
          }
        : {}),
      ...(args.from !== undefined ? { from: args.from } : {}),
      ...(args.agent !== undefined ? { agent: args.agent } : {}),
      ...(args['agent-cmd'] !== undefined ? { agentCmd: args['agent-cmd'] } : {}),
      ...(args.model !== undefined ? { model: args.model } : {}),
      ...(args.provider !== undefined ? { provider: args.provider as Provider } : {}),
      ...(args.check === true ? { check: true } : {}),
      ...(args['log-dir'] !== undefined
        ? { logDir: resolveLogDir(args['log-dir'], process.env) }
        : {}),
      ...(args['worktree-root'] !== undefined
        ? { worktreeRoot: path.resolve(args['worktree-root']) }
        : {}),
      ...(args.isolation !== undefined ? { isolation: args.isolation as 'task' | 'repo' } : {}),
      ...(args.repos !== undefined ? { repos: path.resolve(args.repos) } : {}),
      ...(args.target !== undefined ? { target: args.target } : {}),
      ...(file !== undefined ? { configPath: file } : {}),
      resume: args.resume,
      detach: args.detach,
      push: args.push,
      ...(args.pty !== undefined ? { pty: args.pty } : {}),
      stallMinutes: args['stall-minutes'],
      emit: (event) => {
        record.append(event);
        renderer.onEvent(event);
      },
      print: (text) => (args.json ? process.stderr : process.stdout).write(text),
      interrupted,
      forced,
    });
    return { exitCode, interrupted: signals > 0 };
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
