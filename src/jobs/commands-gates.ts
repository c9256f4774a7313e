/** `ccglm job preflight` and the gates: read-only checks with the runner's exit codes (0/1, 0/4). */
import { CcglmError, ExitCode } from '../errors.js';
import { beadsOf, flag, json, logDirOf, str, type JobArgs, type JobIo } from './command-args.js';
import { formatUtc } from './ids.js';
import {
  baselineGate,
  defaultBaseBranch,
  featureKeyGate,
  formatGate,
  GATE_FAILED,
  integrityGate,
  resolveGateWorktree,
  type GateName,
  type GateResult,
} from './gates.js';
import { runPreflight } from './preflight.js';

export async function preflight(args: JobArgs, io: JobIo): Promise<number> {
  const result = await runPreflight(logDirOf(args, io), beadsOf(args, false), io.env, io.cwd);
  io.out(flag(args, 'json') ? json(result, args) : result.output);
  return result.exit_code;
}

function printGate(result: GateResult, args: JobArgs, io: JobIo): number {
  if (flag(args, 'json'))
    io.out(
      json(
        {
          generated_at: formatUtc(Date.now()),
          worktree: result.worktree,
          ...result.fields,
          passed: result.passed,
          reason_code: result.reason_code,
          details: result.details,
        },
        args,
      ),
    );
  else io.out(formatGate(result));
  return result.passed ? 0 : GATE_FAILED;
}

/** The runner's usage error: `<gate> requires --<flag>`, exit 2. */
function requiredString(name: GateName, args: JobArgs, key: string): string {
  const value = str(args, key);
  if (value === undefined || value === '')
    throw new CcglmError(`${name} requires --${key}`, ExitCode.usage);
  return value;
}

export function gate(name: GateName, args: JobArgs, io: JobIo): number {
  const beads = beadsOf(args, false);
  const needs = {
    'baseline-gate': 'required-baseline',
    'integrity-gate': 'reported-commit',
    'feature-key-gate': 'feature-key',
  }[name];
  const wanted = requiredString(name, args, needs);
  const worktree = resolveGateWorktree(logDirOf(args, io), beads, str(args, 'worktree'), io.cwd);
  const branch = str(args, 'branch');
  if (name === 'baseline-gate') return printGate(baselineGate(worktree, wanted), args, io);
  if (name === 'integrity-gate')
    return printGate(integrityGate(worktree, wanted, branch), args, io);
  const base = str(args, 'base-branch') ?? defaultBaseBranch(worktree, io.env);
  return printGate(featureKeyGate(worktree, wanted, branch, base), args, io);
}
