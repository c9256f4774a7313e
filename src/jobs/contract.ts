import fs from 'node:fs';
import {
  describeRuntimeContract,
  formatRuntimeContract,
  type RuntimeContract,
} from '../agent/contract.js';
import { jobFiles } from './ids.js';
import { readKeyValueFile } from './store.js';
import type { KeyValues } from './kv.js';

/** Writes `<id>.contract` from the job's environment (never a secret: only where the token came from). */
export function writeContract(
  logDir: string,
  id: string,
  env: NodeJS.ProcessEnv,
  usePty: boolean,
  now: Date,
): RuntimeContract {
  const contract = describeRuntimeContract({ env, executionMode: usePty ? 'pty' : 'nohup' });
  fs.writeFileSync(jobFiles(logDir, id).contract, formatRuntimeContract(id, contract, now));
  return contract;
}

export type ContractCheck = { ok: true } | { ok: false; mismatches: string[] };

/** `restart --preserve-contract`: model, base_url and timeout_ms must match the current environment. */
export function verifyContract(
  logDir: string,
  id: string,
  env: NodeJS.ProcessEnv,
  usePty: boolean,
): ContractCheck {
  const stored: KeyValues | undefined = readKeyValueFile(jobFiles(logDir, id).contract);
  if (stored === undefined) return { ok: false, mismatches: ['no contract file'] };
  const current = describeRuntimeContract({ env, executionMode: usePty ? 'pty' : 'nohup' });
  const mismatches = (['model', 'base_url', 'timeout_ms'] as const)
    .filter((key) => (stored[key] ?? '') !== current[key])
    .map((key) => `${key}: stored '${stored[key] ?? ''}', now '${current[key]}'`);
  return mismatches.length === 0 ? { ok: true } : { ok: false, mismatches };
}
