/** `ccglm job preflight` and the gates: read-only checks with exit codes 0/1 and 0/4. */
import { CcglmError, ExitCode } from '../errors.js';
import { beadsOf, flag, json, logDirOf, str, type JobArgs, type JobIo } from './command-args.js';
import {
  baselineGate,
  featureKeyGate,
  integrityGate,
  resolveGateWorktree,
  type GateResult,
} from './gates.js';
import { runPreflight } from './preflight.js';

export async function preflight(args: JobArgs, io: JobIo): Promise<number> {
  const result = await runPreflight(logDirOf(args, io), beadsOf(args, false), io.env);
  io.out(
    flag(args, 'json')
      ? json(result)
      : `${result.output}\npreflight: ${result.passed ? 'passed' : 'failed'}`,
  );
  return result.exit_code;
}

function printGate(result: GateResult, args: JobArgs, io: JobIo): number {
  if (flag(args, 'json')) io.out(json({ generated_at: new Date().toISOString(), ...result }));
  else
    io.out(
      [
        `${result.gate}: ${result.passed ? 'PASS' : 'FAIL'}`,
        ...result.details.map((d) => `  ${d}`),
      ].join('\n'),
    );
  return result.exit_code;
}

function gateWorktree(args: JobArgs, io: JobIo): string {
  return resolveGateWorktree(logDirOf(args, io), beadsOf(args, false), str(args, 'worktree'));
}

function requiredString(args: JobArgs, key: string): string {
  const value = str(args, key);
  if (value === undefined || value === '')
    throw new CcglmError(`missing required option --${key}`, ExitCode.usage);
  return value;
}

export function gate(
  name: 'baseline-gate' | 'integrity-gate' | 'feature-key-gate',
  args: JobArgs,
  io: JobIo,
): number {
  const branch = str(args, 'branch');
  if (name === 'baseline-gate') {
    const sha = requiredString(args, 'required-baseline');
    return printGate(baselineGate(gateWorktree(args, io), sha), args, io);
  }
  if (name === 'integrity-gate') {
    const sha = requiredString(args, 'reported-commit');
    return printGate(integrityGate(gateWorktree(args, io), sha, branch), args, io);
  }
  const key = requiredString(args, 'feature-key');
  return printGate(
    featureKeyGate(gateWorktree(args, io), key, branch, str(args, 'base-branch')),
    args,
    io,
  );
}
