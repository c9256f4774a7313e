/**
 * The detached job host, in its own session. `node host.js LOGDIR ID` hosts one job and exits when
 * its outcome is written (`ccglm job start`). `node host.js --serve` hosts many (`ccglm run`): it
 * reads one JSON line `{"logDir","id"}` per job from stdin, hosts them side by side, and exits once
 * stdin has ended (its run finished or died) and its last job has ended — so a run starts one Node
 * process, not one per task, and its jobs still outlive it. It imports nothing heavy (no yargs, no
 * remark) to stay small in memory.
 */
import readline from 'node:readline';
import { isObject, isString, parseAs } from '../json-shape.js';
import {
  hostJob,
  killGroup,
  noteHostError,
  recordHostError,
  type HostContext,
} from './host-job.js';

function forwardSignals(context: HostContext): void {
  // Termination is forwarded to the agents' groups; each outcome is written when its agent has exited.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.on(signal, () => {
      for (const pid of context.agents) killGroup(pid, signal);
    });
}

/** What the run sends: one job to host. */
const isJobLine = isObject({ logDir: isString, id: isString });

function serve(): void {
  // The run reads these notices while it lives; once it is gone they fail, and are not needed.
  let listening = true;
  process.stdout.on('error', () => (listening = false));
  const context: HostContext = {
    shared: true,
    agents: new Set(),
    notify: (event, logDir, id) => {
      if (listening) process.stdout.write(`${JSON.stringify({ event, logDir, id })}\n`);
    },
  };
  forwardSignals(context);
  const active = new Map<number, { logDir: string; id: string }>();
  let launches = 0;
  let ended = false;
  const maybeExit = () => {
    if (ended && active.size === 0) process.exit(0);
  };
  // A fault outside any one job's launch must not end the others (their agents still run and their
  // outcomes are still to be written): it is told in the log of every job hosted now.
  process.on('uncaughtException', (error) => {
    for (const job of active.values()) noteHostError(job.logDir, job.id, error);
  });
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const job = parseAs(line, isJobLine);
    if (job === undefined) return;
    // One entry per launch: a restarted job's new attempt is not the old one's entry.
    const key = launches++;
    active.set(key, job);
    hostJob(job.logDir, job.id, context)
      .catch((error: unknown) => {
        recordHostError(job.logDir, job.id, error);
        context.notify?.('ended', job.logDir, job.id);
      })
      .finally(() => {
        active.delete(key);
        maybeExit();
      });
  });
  lines.on('close', () => {
    ended = true;
    maybeExit();
  });
}

const args = process.argv.slice(2);
if (args[0] === '--serve') serve();
else {
  const [logDir, id] = args;
  if (logDir === undefined || id === undefined) {
    process.stderr.write('usage: host.js <logDir> <id> | host.js --serve\n');
    process.exit(2);
  }
  const context: HostContext = { shared: false, agents: new Set() };
  forwardSignals(context);
  // The host's stdio goes nowhere (it is detached): a failure of its own is told in the job's log
  // and outcome, so whoever waits on the job learns of it.
  hostJob(logDir, id, context).then(
    () => process.exit(0),
    (error: unknown) => {
      recordHostError(logDir, id, error);
      process.exit(1);
    },
  );
}
