import path from 'node:path';
import { jobFiles } from './ids.js';
import { readJob } from './inspect.js';
import { readOutcome, type JobOutcome } from './store.js';
import { hostWake, type JobHost } from './start.js';
import { waitFor } from './watch.js';

export interface WaitForJobOptions {
  /** Give up and resolve `{ kind: 'aborted' }` when this fires. */
  signal?: AbortSignal;
  /** Fallback poll (default 1000 ms); the fast path is fs.watch on the log dir. */
  pollMs?: number;
  /** The host that runs the job, when it tells of its end (no fs.watch then; see SharedHost). */
  host?: JobHost;
}

export type JobEnd =
  | { kind: 'outcome'; outcome: JobOutcome }
  /**
   * Its host died before writing the outcome (killed with SIGKILL, a reboot): none will be written.
   * `agentAlive`: the agent runs on unsupervised (pipes outlive the host; a PTY's agent dies with it).
   */
  | { kind: 'lost'; agentAlive: boolean }
  | { kind: 'aborted' };

/**
 * Resolves when `<id>.outcome` appears: fs.watch on the log dir wakes it within milliseconds of the
 * host's atomic rename; a slow poll covers missed events and notices a vanished host.
 */
export async function waitForJobEnd(
  logDir: string,
  id: string,
  options: WaitForJobOptions = {},
): Promise<JobEnd> {
  let polls = 0;
  const end = await waitFor<JobEnd>({
    dir: logDir,
    prefix: id,
    ...hostWake(options.host, logDir, id),
    // Only the outcome's appearance ends the wait (a chatty agent's log lines wake nothing).
    names: [path.basename(jobFiles(logDir, id).outcome)],
    pollMs: options.pollMs ?? 1000,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    check: () => {
      const outcome = readOutcome(logDir, id);
      if (outcome !== undefined) return { kind: 'outcome', outcome };
      // Liveness costs /proc reads: check it on the slow path only.
      if (polls++ % 2 === 1) {
        const record = readJob(logDir, id);
        const launched =
          record.meta?.['launch_state'] === 'running' || record.meta?.['launch_state'] === 'exited';
        // A job whose host is not recorded (an older runner's) is lost only with its agent.
        const hostKnown = Number(record.meta?.['host_pid']) > 0;
        const gone = launched && !record.hostAlive && (hostKnown || !record.agentAlive);
        if (gone && readOutcome(logDir, id) === undefined)
          return { kind: 'lost', agentAlive: record.agentAlive };
      }
      return undefined;
    },
  });
  return end ?? { kind: 'aborted' };
}
