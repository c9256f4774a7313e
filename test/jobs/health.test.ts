import { describe, expect, it } from 'vitest';
import { checkExitCode, decideHealth, type HealthInput } from '../../src/jobs/health.js';

const NOW = 1_000_000_000;
const MIN = 60_000;

// A job launched 30 min ago, alive, with recent output: every row below changes only what it tests.
const base: HealthInput = {
  now: NOW,
  stallMs: 20 * MIN,
  graceMs: 20 * MIN,
  known: true,
  pidFileExists: true,
  launchState: 'running',
  blocked: false,
  startedAt: NOW - 30 * MIN,
  alive: true,
  outcomeExitCode: undefined,
  logBytes: 100,
  logMtime: NOW - 1 * MIN,
  cpuSeconds: 5,
  previousCpuSeconds: 5,
  cpuProgressAt: NOW - 25 * MIN,
  mutationCount: 0,
  previousMutationCount: undefined,
};

const rows: [string, Partial<HealthInput>, string][] = [
  ['recent output', {}, 'healthy|recent_log_activity'],
  [
    'stale log, CPU up since last check',
    { logMtime: NOW - 25 * MIN, cpuSeconds: 6 },
    'healthy|cpu_progress',
  ],
  [
    'stale log, host saw CPU recently',
    { logMtime: NOW - 25 * MIN, cpuProgressAt: NOW - MIN },
    'healthy|cpu_progress',
  ],
  ['stale log, no CPU', { logMtime: NOW - 25 * MIN }, 'stalled|stale_log_and_no_cpu_progress'],
  [
    'stale log, no CPU, files changed',
    { logMtime: NOW - 25 * MIN, mutationCount: 2 },
    'silent_mutation|worktree_changed_no_output',
  ],
  [
    'stale log, no CPU, same changes as before',
    { logMtime: NOW - 25 * MIN, mutationCount: 2, previousMutationCount: 2 },
    'stalled|stale_log_and_no_cpu_progress',
  ],
  [
    'no output within grace',
    { logBytes: 0, startedAt: NOW - MIN },
    'launching|no_output_within_grace',
  ],
  [
    'no output within grace, CPU',
    { logBytes: 0, startedAt: NOW - MIN, cpuSeconds: 9 },
    'launching|cpu_progress_no_output',
  ],
  [
    'no output after grace, CPU',
    { logBytes: 0, cpuSeconds: 9 },
    'waiting_first_output|cpu_progress_no_output',
  ],
  [
    'no output after grace, files changed',
    { logBytes: 0, mutationCount: 1 },
    'silent_mutation|worktree_changed_no_output',
  ],
  [
    'no output after grace, nothing',
    { logBytes: 0 },
    'stalled|no_output_no_progress_after_threshold',
  ],
  [
    'host not yet running the agent',
    { launchState: 'starting', startedAt: NOW - 1000, pidFileExists: false },
    'starting|launch_in_progress',
  ],
  [
    'restarting within grace',
    { launchState: 'restarting', startedAt: NOW - 1000 },
    'starting|launch_in_progress',
  ],
  ['exit 0 outcome', { alive: false, outcomeExitCode: 0 }, 'exited_ok|outcome_exit_0'],
  ['non-zero outcome', { alive: false, outcomeExitCode: 143 }, 'exited_err|outcome_exit_nonzero'],
  [
    'dead without outcome, had output',
    { alive: false },
    'exited_err|process_exited_without_outcome',
  ],
  [
    'dead without outcome, no output',
    { alive: false, logBytes: 0 },
    'stalled|process_exited_no_output',
  ],
  [
    'blocked wins over everything',
    { blocked: true, outcomeExitCode: 0 },
    'blocked|blocked_flag_set',
  ],
  [
    'no files at all',
    { known: false, pidFileExists: false, alive: false },
    'missing|pid_file_missing',
  ],
  [
    'meta but no pid file after launch',
    { pidFileExists: false, launchState: 'running' },
    'missing|pid_file_missing',
  ],
];

describe('decideHealth', () => {
  it.each(rows)('%s', (_name, change, expected) => {
    const verdict = decideHealth({ ...base, ...change });
    expect(`${verdict.health}|${verdict.reason_code}`).toBe(expected);
  });

  it('uses the injected clock: the same job is healthy at t and stalled 21 minutes later', () => {
    const job = { ...base, logMtime: NOW, cpuProgressAt: NOW };
    expect(decideHealth(job).health).toBe('healthy');
    expect(decideHealth({ ...job, now: NOW + 21 * MIN }).health).toBe('stalled');
  });

  it('maps states to check exit codes 0/1/2/3', () => {
    expect(
      (
        [
          'healthy',
          'starting',
          'launching',
          'waiting_first_output',
          'silent_mutation',
          'exited_ok',
          'missing',
          'stalled',
          'exited_err',
          'blocked',
        ] as const
      ).map(checkExitCode),
    ).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 3]);
  });
});
