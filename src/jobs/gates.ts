import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { CcglmError, ExitCode } from '../errors.js';
import { readMeta } from './store.js';

/** Gates exit 0 when they pass and 4 when they fail. */
export const GATE_FAILED = 4;

export interface GateResult {
  gate: string;
  passed: boolean;
  exit_code: number;
  worktree: string;
  /** One line per finding. */
  details: string[];
}

/** The folder a gate looks at: `--worktree`, or the worktree in `<beads>.meta`. */
export function resolveGateWorktree(
  logDir: string,
  beads: string | undefined,
  worktree: string | undefined,
): string {
  const folder =
    worktree ?? (beads !== undefined ? readMeta(logDir, beads)?.['worktree'] : undefined);
  if (folder === undefined || folder === '') {
    throw new CcglmError(
      beads !== undefined && worktree === undefined
        ? `no such job: ${beads}`
        : 'give --beads or --worktree',
      beads ? 1 : ExitCode.usage,
    );
  }
  if (!fs.existsSync(folder)) throw new CcglmError(`worktree not found: ${folder}`);
  return folder;
}

function git(cwd: string, args: string[]): { ok: boolean; out: string } {
  try {
    return {
      ok: true,
      out: execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim(),
    };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr ?? '').trim() };
  }
}

const result = (
  gate: string,
  worktree: string,
  details: string[],
  passed: boolean,
): GateResult => ({
  gate,
  passed,
  exit_code: passed ? 0 : GATE_FAILED,
  worktree,
  details,
});

/** The worktree's HEAD must contain the required baseline commit. */
export function baselineGate(worktree: string, requiredBaseline: string): GateResult {
  const head = git(worktree, ['rev-parse', 'HEAD']).out;
  const known = git(worktree, ['rev-parse', '--verify', '--quiet', `${requiredBaseline}^{commit}`]);
  if (!known.ok)
    return result(
      'baseline-gate',
      worktree,
      [`baseline ${requiredBaseline} is not a commit in this repository`],
      false,
    );
  const contains = git(worktree, ['merge-base', '--is-ancestor', requiredBaseline, 'HEAD']).ok;
  return result(
    'baseline-gate',
    worktree,
    [
      contains
        ? `HEAD ${head.slice(0, 12)} contains baseline ${requiredBaseline}`
        : `HEAD ${head.slice(0, 12)} does not contain baseline ${requiredBaseline}`,
    ],
    contains,
  );
}

/** The commit an agent reported must exist and be on the branch (default HEAD). */
export function integrityGate(
  worktree: string,
  reportedCommit: string,
  branch = 'HEAD',
): GateResult {
  const known = git(worktree, ['rev-parse', '--verify', '--quiet', `${reportedCommit}^{commit}`]);
  if (!known.ok)
    return result(
      'integrity-gate',
      worktree,
      [`reported commit ${reportedCommit} does not exist`],
      false,
    );
  const onBranch = git(worktree, ['merge-base', '--is-ancestor', reportedCommit, branch]).ok;
  return result(
    'integrity-gate',
    worktree,
    [
      onBranch
        ? `reported commit ${reportedCommit} is on ${branch}`
        : `reported commit ${reportedCommit} is not on ${branch}`,
    ],
    onBranch,
  );
}

/** Every commit in base..branch must carry the `Feature-Key: ID` trailer. */
export function featureKeyGate(
  worktree: string,
  featureKey: string,
  branch = 'HEAD',
  baseBranch?: string,
): GateResult {
  const range = baseBranch !== undefined ? `${baseBranch}..${branch}` : branch;
  const log = git(worktree, [
    'log',
    '--format=%H%x00%(trailers:key=Feature-Key,valueonly,separator=%x2C)',
    range,
  ]);
  if (!log.ok)
    return result(
      'feature-key-gate',
      worktree,
      [`cannot read commits ${range}: ${log.out.split('\n')[0] ?? ''}`],
      false,
    );
  const commits = log.out.split('\n').filter((line) => line !== '');
  const missing = commits.filter(
    (line) =>
      !(line.split('\0')[1] ?? '')
        .split(',')
        .map((v) => v.trim())
        .includes(featureKey),
  );
  if (commits.length === 0)
    return result('feature-key-gate', worktree, [`no commits in ${range}`], false);
  return result(
    'feature-key-gate',
    worktree,
    missing.length === 0
      ? [`${commits.length} commit(s) in ${range} carry Feature-Key: ${featureKey}`]
      : missing.map((line) => `commit ${line.slice(0, 12)} lacks Feature-Key: ${featureKey}`),
    missing.length === 0,
  );
}
