/**
 * The three gates of the shell runner (baseline, integrity, Feature-Key), with its reason codes and
 * fields: each returns passed + reason_code + details (one sentence) and its own fields, in the
 * runner's JSON order. Bad input about the folder (missing, not git, unknown branch) is a failed gate
 * (exit 4) with its reason code, as in the runner; a missing required flag is a usage error (2).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { CcglmError } from '../errors.js';
import { readMeta } from './store.js';

/** Gates exit 0 when they pass and 4 when they fail. */
export const GATE_FAILED = 4;

export type GateName = 'baseline-gate' | 'integrity-gate' | 'feature-key-gate';

export interface GateResult {
  gate: GateName;
  worktree: string;
  /** The gate's own fields (runner order), e.g. required_baseline and runtime_commit. */
  fields: Record<string, string | number>;
  passed: boolean;
  reason_code: string;
  details: string;
}

/**
 * The folder a gate looks at: `--worktree`, else the worktree in `<beads>.meta`, else the current
 * folder (as the runner). A `--beads` that names no job is an error (the runner would silently
 * check the current folder instead).
 */
export function resolveGateWorktree(
  logDir: string,
  beads: string | undefined,
  worktree: string | undefined,
  cwd: string,
): string {
  if (worktree !== undefined && worktree !== '') return worktree;
  if (beads !== undefined) {
    const meta = readMeta(logDir, beads);
    if (meta === undefined)
      throw new CcglmError(`no such job: ${beads} (no ${beads}.meta in ${logDir})`);
    if ((meta['worktree'] ?? '') !== '') return meta['worktree'] as string;
  }
  return cwd;
}

function git(cwd: string, args: string[]): { ok: boolean; out: string } {
  try {
    return {
      ok: true,
      out: execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 * 1024 * 1024,
      }).trim(),
    };
  } catch {
    return { ok: false, out: '' };
  }
}

const isCommit = (worktree: string, rev: string) =>
  git(worktree, ['cat-file', '-e', `${rev}^{commit}`]).ok;
const isAncestor = (worktree: string, older: string, newer: string) =>
  git(worktree, ['merge-base', '--is-ancestor', older, newer]).ok;

/** A folder problem every gate reports the same way, or undefined when the folder is a git worktree. */
function folderProblem(worktree: string): { reason_code: string; details: string } | undefined {
  if (!fs.existsSync(worktree) || !fs.statSync(worktree).isDirectory())
    return { reason_code: 'worktree_missing', details: `worktree not found: ${worktree}` };
  if (!git(worktree, ['rev-parse', '--git-dir']).ok)
    return { reason_code: 'not_a_git_repo', details: `not a git worktree: ${worktree}` };
  return undefined;
}

type Verdict = { passed?: boolean; reason_code: string; details: string };

function build(
  gate: GateName,
  worktree: string,
  fields: Record<string, string | number>,
  verdict: Verdict,
): GateResult {
  return {
    gate,
    worktree,
    fields,
    passed: verdict.passed === true,
    reason_code: verdict.reason_code,
    details: verdict.details,
  };
}

/** The worktree's HEAD must contain the required baseline commit. */
export function baselineGate(worktree: string, required: string): GateResult {
  let runtime = '';
  const verdict = ((): Verdict => {
    const problem = folderProblem(worktree);
    if (problem) return problem;
    runtime = git(worktree, ['rev-parse', 'HEAD']).out;
    if (runtime === '')
      return {
        reason_code: 'runtime_commit_missing',
        details: 'failed to resolve runtime HEAD commit',
      };
    if (!isCommit(worktree, required))
      return {
        reason_code: 'required_commit_missing',
        details: 'required commit not found in repo',
      };
    return isAncestor(worktree, required, runtime)
      ? {
          passed: true,
          reason_code: 'baseline_ok',
          details: 'runtime commit meets required baseline',
        }
      : { reason_code: 'baseline_not_met', details: 'runtime commit is behind required baseline' };
  })();
  return build(
    'baseline-gate',
    worktree,
    { required_baseline: required, runtime_commit: runtime },
    verdict,
  );
}

/** The branch (default: the worktree's current branch) resolved, or the verdict that it is not. */
function resolveBranch(
  worktree: string,
  branch: string | undefined,
): { name: string; head: string } | Verdict {
  const name = branch ?? git(worktree, ['rev-parse', '--abbrev-ref', 'HEAD']).out;
  if (name === '')
    return { reason_code: 'branch_missing', details: 'could not resolve branch name' };
  const head = git(worktree, ['rev-parse', '--verify', '--quiet', `${name}^{commit}`]);
  if (!head.ok) return { reason_code: 'branch_head_missing', details: `branch not found: ${name}` };
  return { name, head: head.out };
}

/** The commit an agent reported must exist and be an ancestor of the branch head. */
export function integrityGate(
  worktree: string,
  reported: string,
  branch: string | undefined,
): GateResult {
  let name = branch ?? '';
  let head = '';
  const verdict = ((): Verdict => {
    const problem = folderProblem(worktree);
    if (problem) return problem;
    const resolved = resolveBranch(worktree, branch);
    if ('reason_code' in resolved) return resolved;
    ({ name, head } = resolved);
    if (!isCommit(worktree, reported))
      return {
        reason_code: 'reported_commit_not_found',
        details: 'reported commit does not exist',
      };
    return isAncestor(worktree, reported, head)
      ? {
          passed: true,
          reason_code: 'integrity_ok',
          details: 'reported commit is ancestor of branch head',
        }
      : {
          reason_code: 'reported_not_ancestor',
          details: 'reported commit is not ancestor of branch head',
        };
  })();
  return build(
    'integrity-gate',
    worktree,
    { branch: name, branch_head: head, reported_commit: reported },
    verdict,
  );
}

/**
 * The base branch: as given (`--base-branch`, else $CC_GLM_BASE_BRANCH), else `master` as the runner,
 * falling back to `main` when the repository has no `master` (the runner fails there).
 */
export function defaultBaseBranch(worktree: string, env: NodeJS.ProcessEnv): string {
  const fromEnv = env['CC_GLM_BASE_BRANCH'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (
    !git(worktree, ['rev-parse', '--verify', '--quiet', 'master^{commit}']).ok &&
    git(worktree, ['rev-parse', '--verify', '--quiet', 'main^{commit}']).ok
  )
    return 'main';
  return 'master';
}

/** Every commit in base..branch must have a line `Feature-Key: KEY` in its message. */
export function featureKeyGate(
  worktree: string,
  featureKey: string,
  branch: string | undefined,
  baseBranch: string,
): GateResult {
  let name = branch ?? '';
  let checked = 0;
  const verdict = ((): Verdict => {
    const problem = folderProblem(worktree);
    if (problem) return problem;
    const resolved = resolveBranch(worktree, branch);
    if ('reason_code' in resolved) return resolved;
    name = resolved.name;
    if (!git(worktree, ['rev-parse', '--verify', '--quiet', `${baseBranch}^{commit}`]).ok)
      return {
        reason_code: 'base_branch_missing',
        details: `base branch not found: ${baseBranch}`,
      };
    const log = git(worktree, ['log', '--format=%B%x00', `${baseBranch}..${name}`]).out;
    const bodies = log === '' ? [] : log.split('\0').slice(0, -1);
    checked = bodies.length;
    const line = `Feature-Key: ${featureKey}`;
    const missing = bodies.filter((body) => !body.split('\n').some((l) => l === line)).length;
    if (checked === 0)
      return {
        reason_code: 'no_commits_in_range',
        details: `no commits in range ${baseBranch}..${name}`,
      };
    return missing === 0
      ? {
          passed: true,
          reason_code: 'feature_key_ok',
          details: `all ${checked} commits include ${line}`,
        }
      : {
          reason_code: 'feature_key_missing_in_commits',
          details: `${missing}/${checked} commits missing ${line}`,
        };
  })();
  return build(
    'feature-key-gate',
    worktree,
    { branch: name, base_branch: baseBranch, feature_key: featureKey, checked_commits: checked },
    verdict,
  );
}

/** The runner's text lines: `<gate> passed: …`, or `<gate> failed: reason=…` and `details: …`. */
export function formatGate(result: GateResult): string {
  const f = result.fields;
  const dash = (value: string | number | undefined) =>
    value === undefined || value === '' ? '-' : String(value);
  if (result.gate === 'baseline-gate')
    return result.passed
      ? `baseline gate passed: runtime=${f['runtime_commit']} required=${f['required_baseline']} worktree=${result.worktree}`
      : `baseline gate failed: reason=${result.reason_code} runtime=${dash(f['runtime_commit'])} required=${f['required_baseline']} worktree=${result.worktree}\ndetails: ${result.details}`;
  if (result.gate === 'integrity-gate')
    return result.passed
      ? `integrity gate passed: reported=${f['reported_commit']} branch=${f['branch']} head=${f['branch_head']}`
      : `integrity gate failed: reason=${result.reason_code} reported=${f['reported_commit']} branch=${f['branch']} head=${dash(f['branch_head'])}\ndetails: ${result.details}`;
  const common = `feature_key=${f['feature_key']} branch=${f['branch']} base=${f['base_branch']}`;
  return result.passed
    ? `feature-key gate passed: ${common} commits=${f['checked_commits']}`
    : `feature-key gate failed: reason=${result.reason_code} ${common}\ndetails: ${result.details}`;
}
