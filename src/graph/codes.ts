/**
 * The graph and lint checks' diagnostic codes in one table: CCG2xx (the graph is wrong) and CCG4xx
 * (the plan will run, but probably not as meant). README's diagnostics block lists the same rows
 * (test/graph/codes.test.ts keeps them equal); src/plan/codes.ts holds the parser's.
 */
import { PARSE_CODES } from '../plan/codes.js';
import type { Severity } from '../plan/types.js';

export const GRAPH_CODES = {
  CCG201: { severity: 'error', meaning: 'dependency on an unknown task (with the closest id)' },
  CCG202: { severity: 'error', meaning: 'a task depends on itself' },
  CCG203: {
    severity: 'error',
    meaning: 'a dependency cycle, with its full path and each `depends_on` that closes it',
  },
  CCG401: {
    severity: 'warning',
    meaning:
      'two tasks that can still run at the same time list the same files (once per pair of tasks)',
  },
  CCG402: { severity: 'warning', meaning: 'a wave wider than `--concurrency`' },
  CCG403: {
    severity: 'warning',
    meaning: 'every task lists one file: batch by outcome, not by file',
  },
  CCG404: { severity: 'info', meaning: 'a redundant dependency (already implied through another)' },
  CCG405: {
    severity: 'warning',
    meaning:
      "the plan's wave table starts a task with or before one it depends on (once per table)",
  },
} as const satisfies Record<string, { severity: Severity; meaning: string }>;

export type GraphCode = keyof typeof GRAPH_CODES;

/** Every code ccglm validate can report, parser's and graph's, in code order. */
export function knownCodes(): string[] {
  return [...Object.keys(PARSE_CODES), ...Object.keys(GRAPH_CODES)].sort();
}
