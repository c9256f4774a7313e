import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/run/events.js';
import {
  durationsOf,
  eventsFileOf,
  parseEventRecord,
  parseRecordedEvent,
  readEventRecord,
  recordEvents,
} from '../../src/report/record.js';

describe('the run event record', () => {
  it('lives beside the run state', () => {
    expect(eventsFileOf('/s/runs/p-abc.state.json')).toBe('/s/runs/p-abc.events.jsonl');
  });

  it('appends every event but output lines, and reads them back by run', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-record-'));
    try {
      const file = path.join(dir, 'x.events.jsonl');
      const append = recordEvents(file);
      const start: RunEvent = {
        type: 'run.start',
        t: 1,
        plan: 'p',
        tasks: ['T1'],
        waves: [['T1']],
        strategy: 'waves',
        concurrency: Infinity,
        resume: false,
      };
      append(start);
      append({ type: 'task.output', t: 2, id: 'T1', line: 'noise' });
      append({ type: 'task.end', t: 3, id: 'T1', status: 'Completed', durationMs: 2, commits: [] });
      append({ ...start, t: 10 });
      expect(readFileSync(file, 'utf8')).not.toContain('noise');
      const record = readEventRecord(file);
      expect(record.runs.map((run) => run.map((e) => e.type))).toEqual([
        ['run.start', 'task.end'],
        ['run.start'],
      ]);
      // JSON has no Infinity: it comes back from null.
      expect(record.runs[0]?.[0]).toMatchObject({ concurrency: Infinity });
      expect(durationsOf(record.runs)).toEqual(new Map([['T1', 2]]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks each line: a cut line, a wrong field type, an unknown type are skipped and counted', () => {
    const good = '{"type":"task.launch","t":5,"id":"T1"}';
    const text = [
      good,
      '{"type":"task.end","t":6,"id":"T1","status":"Done"}',
      '{"type":"task.exit","t":"7","id":"T1","exitCode":0}',
      '{"type":"task.paint","t":8}',
      '{"type":"task.lau',
      '',
    ].join('\n');
    const record = parseEventRecord(text);
    expect(record.skipped).toBe(4);
    expect(record.runs).toEqual([[{ type: 'task.launch', t: 5, id: 'T1' }]]);
    expect(parseRecordedEvent('[1,2]')).toBeUndefined();
    expect(parseRecordedEvent('null')).toBeUndefined();
  });

  it('no record: no runs', () => {
    expect(readEventRecord('/nonexistent/x.events.jsonl')).toEqual({ runs: [], skipped: 0 });
  });
});
