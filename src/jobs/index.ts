/**
 * The job runner as functions (what `ccglm job …` is a thin shell over, and what `ccglm run` drives
 * in-process). Artifacts live in one flat folder (`logDir`) as the shell runner laid them out:
 * `<id>.pid`, `<id>.log` (+ `.log.N`, `.1` oldest), `<id>.meta`, `<id>.outcome` (+ `.outcome.N`),
 * `<id>.contract`; key=value text, meta/outcome written atomically.
 *
 * Typical use from RUN:
 * ```ts
 * const started = await startJob({ id, logDir, promptFile, worktree, command, env });
 * if (!started.ok) …started.outcome (agent could not start; the log says why)
 * const end = await waitForJobEnd(logDir, id, { signal }); // fs.watch: ms after the outcome lands
 * if (end.kind === 'outcome') end.outcome.state // 'success' | 'failed' | 'killed'
 * ```
 * Ids may only use `[A-Za-z0-9._-]` (`assertJobId` throws exit 2 otherwise).
 */
export {
  startJob,
  JOB_VERSION,
  type JobHost,
  type StartJobOptions,
  type StartJobResult,
} from './start.js';
export { SharedHost } from './shared-host.js';
export { waitForJobEnd, type WaitForJobOptions, type JobEnd } from './wait.js';
export {
  killJobNow,
  stopJob,
  requireJob,
  type StopJobOptions,
  type StopJobResult,
} from './stop.js';
export { restartJob, type RestartJobOptions } from './restart.js';
export {
  readJob,
  jobHealth,
  type JobRecord,
  type JobHealth,
  type HealthOptions,
} from './inspect.js';
export { changedEntries, countMutations } from './mutations.js';
export { listJobs, listJobHealth, jobStatus, type JobStatus, type ListOptions } from './status.js';
export {
  decideHealth,
  checkExitCode,
  type HealthInput,
  type HealthState,
  type HealthVerdict,
} from './health.js';
export {
  runWatchdog,
  runWatchdogPass,
  type WatchdogOptions,
  type WatchdogMode,
  type WatchdogDecision,
} from './watchdog.js';
export { assertJobId, jobFiles, resolveLogDir, JOB_ID_PATTERN, type JobFiles } from './ids.js';
export { readMeta, updateMeta, readOutcome, listJobIds, type JobOutcome } from './store.js';
export { scanProcesses, indexByPid } from './proc.js';
export {
  baselineGate,
  integrityGate,
  featureKeyGate,
  resolveGateWorktree,
  GATE_FAILED,
  type GateResult,
} from './gates.js';
export { runPreflight, type PreflightResult } from './preflight.js';
export { followLog, tailLines } from './tail.js';
