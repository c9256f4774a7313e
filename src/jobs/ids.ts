import path from 'node:path';
import { CcglmError, ExitCode } from '../errors.js';

/** Job ids may only use these characters, so an id can never name a path outside the log dir. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Throws a usage error (exit 2) for an id that is empty, has other characters, or is `.`/`..`. */
export function assertJobId(id: string): void {
  if (!JOB_ID_PATTERN.test(id) || id === '.' || id === '..') {
    throw new CcglmError(
      `invalid job id '${id}': expected only letters, digits, '.', '_' and '-'`,
      ExitCode.usage,
    );
  }
}

/** The artifact paths of one job: one flat folder, as the shell runner laid them out. */
export interface JobFiles {
  pid: string;
  log: string;
  meta: string;
  outcome: string;
  contract: string;
}

export function jobFiles(logDir: string, id: string): JobFiles {
  assertJobId(id);
  const base = path.join(logDir, id);
  return {
    pid: `${base}.pid`,
    log: `${base}.log`,
    meta: `${base}.meta`,
    outcome: `${base}.outcome`,
    contract: `${base}.contract`,
  };
}

/** `--log-dir`, else `CC_GLM_LOG_DIR`, else `/tmp/cc-glm-jobs` (the shell runner's default). */
export function resolveLogDir(logDir: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = logDir ?? env['CC_GLM_LOG_DIR'];
  return path.resolve(chosen !== undefined && chosen !== '' ? chosen : '/tmp/cc-glm-jobs');
}

/** UTC ISO time without milliseconds (`2026-02-17T12:00:00Z`), as the shell runner wrote it. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
