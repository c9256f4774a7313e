/**
 * The health decision, pure: every measurement and the clock come in as data, so the whole table of
 * states is tested without a process or a sleep.
 */
export type HealthState =
  | 'starting'
  | 'healthy'
  | 'launching'
  | 'waiting_first_output'
  | 'silent_mutation'
  | 'stalled'
  | 'exited_ok'
  | 'exited_err'
  | 'blocked'
  | 'missing';

export interface HealthInput {
  /** Now, in ms since the epoch. */
  now: number;
  /** No log growth and no CPU progress for this long means stalled. */
  stallMs: number;
  /** Time after launch in which silence is normal (the reference uses the stall threshold). */
  graceMs: number;
  /** False when there is neither meta nor pid file. */
  known: boolean;
  pidFileExists: boolean;
  /** `launch_state` from meta (starting / restarting / running / exited / failed). */
  launchState: string | undefined;
  blocked: boolean;
  /** Launch (or restart) time in ms. */
  startedAt: number | undefined;
  /** The agent (or its host, which is about to write the outcome) is alive. */
  alive: boolean;
  outcomeExitCode: number | undefined;
  logBytes: number;
  logMtime: number | undefined;
  /** CPU seconds of the agent's whole tree now (undefined when nothing is alive). */
  cpuSeconds: number | undefined;
  /** CPU seconds recorded earlier (`last_cpu_time` in meta). */
  previousCpuSeconds: number | undefined;
  /** When CPU last went up, as recorded by the host's sampler (`cpu_progress_at`). */
  cpuProgressAt: number | undefined;
  /** Changed paths in the worktree now, and at the previous check. */
  mutationCount: number;
  previousMutationCount: number | undefined;
}

export interface HealthVerdict {
  health: HealthState;
  reason_code: string;
}

const verdict = (health: HealthState, reason_code: string): HealthVerdict => ({
  health,
  reason_code,
});

export function decideHealth(input: HealthInput): HealthVerdict {
  if (input.blocked) return verdict('blocked', 'blocked_flag_set');
  if (input.outcomeExitCode !== undefined) {
    return input.outcomeExitCode === 0
      ? verdict('exited_ok', 'outcome_exit_0')
      : verdict('exited_err', 'outcome_exit_nonzero');
  }
  if (!input.known) return verdict('missing', 'pid_file_missing');
  const age = input.startedAt === undefined ? Infinity : input.now - input.startedAt;
  const launching = input.launchState === 'starting' || input.launchState === 'restarting';
  if (launching && age < input.graceMs) return verdict('starting', 'launch_in_progress');
  if (!input.pidFileExists) return verdict('missing', 'pid_file_missing');
  if (!input.alive) {
    return input.logBytes === 0
      ? verdict('stalled', 'process_exited_no_output')
      : verdict('exited_err', 'process_exited_without_outcome');
  }
  const cpuProgress =
    (input.cpuSeconds !== undefined &&
      input.previousCpuSeconds !== undefined &&
      input.cpuSeconds > input.previousCpuSeconds) ||
    (input.cpuProgressAt !== undefined && input.now - input.cpuProgressAt < input.stallMs);
  const mutated =
    input.mutationCount > 0 &&
    (input.previousMutationCount === undefined ||
      input.mutationCount !== input.previousMutationCount);
  if (input.logBytes === 0) {
    if (age < input.graceMs) {
      return cpuProgress
        ? verdict('launching', 'cpu_progress_no_output')
        : verdict('launching', 'no_output_within_grace');
    }
    if (mutated) return verdict('silent_mutation', 'worktree_changed_no_output');
    if (cpuProgress) return verdict('waiting_first_output', 'cpu_progress_no_output');
    return verdict('stalled', 'no_output_no_progress_after_threshold');
  }
  const logAge = input.logMtime === undefined ? Infinity : input.now - input.logMtime;
  if (logAge < input.stallMs) return verdict('healthy', 'recent_log_activity');
  if (cpuProgress) return verdict('healthy', 'cpu_progress');
  if (mutated) return verdict('silent_mutation', 'worktree_changed_no_output');
  return verdict('stalled', 'stale_log_and_no_cpu_progress');
}

/** `check`'s exit code: 0 fine, 1 missing, 2 stalled, 3 exited_err or blocked. */
export function checkExitCode(health: HealthState): number {
  switch (health) {
    case 'missing':
      return 1;
    case 'stalled':
      return 2;
    case 'exited_err':
    case 'blocked':
      return 3;
    default:
      return 0;
  }
}
