/** The recorded run fixtures (record-fixtures.mjs) as run models. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePlan } from '../../src/graph/compile.js';
import { buildRunModel, runChain, type RunModel } from '../../src/report/model.js';
import { parseEventRecord } from '../../src/report/record.js';

export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const fixtureNames = ['completed', 'failed', 'interrupted', 'rate-limited', 'resumed'];

export function fixtureModel(name: string): RunModel {
  const dir = path.join(fixturesDir, name);
  const compiled = compilePlan(readFileSync(path.join(dir, 'plan.md'), 'utf8'), 'report-plan.md');
  if (!compiled.ok) throw new Error(`fixture ${name}: its plan does not compile`);
  const record = parseEventRecord(readFileSync(path.join(dir, 'events.jsonl'), 'utf8'));
  if (record.skipped > 0) throw new Error(`fixture ${name}: ${record.skipped} bad line(s)`);
  return buildRunModel({
    compiled,
    planId: 'report',
    events: runChain(record.runs),
    runs: record.runs.length,
    live: false,
    now: 0,
  });
}
