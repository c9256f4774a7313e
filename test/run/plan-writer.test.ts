import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { PlanWriter, removeLeftTemps } from '../../src/run/plan-writer.js';

let dir: string;
let file: string;
const task = (id: string) =>
  [`### ${id}: Task ${id}`, '- **depends_on**: []', '- **status**: Not Started', ''].join('\n');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccglm-writer-'));
  file = path.join(dir, 'x-plan.md');
  writeFileSync(
    file,
    ['# Plan: X', '', '## Tasks', '', task('T1'), task('T2'), task('T3')].join('\n'),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fields = () =>
  Object.fromEntries(
    parsePlan(readFileSync(file, 'utf8'), file).plan.tasks.map((t) => [t.id, [t.status, t.log]]),
  );

describe('PlanWriter', () => {
  it('edits made together all land; the later edit of a field wins, as if applied one by one', async () => {
    const writer = new PlanWriter(file);
    const writes = [
      writer.write({ taskId: 'T1', status: 'In Progress', log: 'started' }),
      writer.write({ taskId: 'T2', status: 'In Progress' }),
      writer.write({ taskId: 'T1', status: 'Completed' }),
      writer.write({ taskId: 'T3', status: 'Blocked', log: 'not started: T9 failed' }),
      writer.write({ taskId: 'T2', log: 'job x' }),
    ];
    await Promise.all(writes);
    await writer.flush();
    expect(fields()).toEqual({
      T1: ['Completed', 'started'],
      T2: ['In Progress', 'job x'],
      T3: ['Blocked', 'not started: T9 failed'],
    });
    expect(writer.warnings).toEqual([]);
  });

  it('an edit for a task that is gone is a warning of the final write; the others are written', async () => {
    const writer = new PlanWriter(file);
    await Promise.all([
      writer.write({ taskId: 'T7', status: 'Completed' }),
      writer.write({ taskId: 'T2', status: 'Failed' }),
    ]);
    expect(fields()['T2']?.[0]).toBe('Failed');
    expect(writer.warnings).toEqual([]);
    await writer.flush();
    expect(writer.warnings).toEqual([expect.stringContaining('could not record T7')]);
  });

  it('a plan read in the middle of a save (tasks missing) loses nothing: the final write records them', async () => {
    const whole = readFileSync(file, 'utf8');
    // An editor that truncates, then writes: the writer reads the first part only.
    const half = whole.slice(0, whole.indexOf('### T3'));
    let reads = 0;
    const writer = new PlanWriter(file, {
      read: async (name) => ((reads += 1) === 1 ? half : readFileSync(name, 'utf8')),
    });
    await writer.write({ taskId: 'T3', status: 'Completed', log: 'merged' });
    expect(fields()['T3']?.[0]).toBe('Not Started');
    await writer.flush();
    expect(fields()['T3']).toEqual(['Completed', 'merged']);
    expect(writer.warnings).toEqual([]);
  });

  it('waits while the plan shrank a moment ago, not by this writer (a save may be under way)', async () => {
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, `${whole}\n`);
    const waits: number[] = [];
    const pause = async (ms: number) => {
      waits.push(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    };
    // Grown, or saved whole: no wait.
    await new PlanWriter(file, { size: whole.length, pause }).write({
      taskId: 'T3',
      status: 'Failed',
    });
    expect(waits).toEqual([]);
    // Shorter than the writer saw it, a moment ago: waited for until it is 50 ms old.
    const size = readFileSync(file).length;
    writeFileSync(file, whole.slice(0, whole.indexOf('### T3')));
    await new PlanWriter(file, { size, pause }).write({ taskId: 'T1', status: 'Completed' });
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((ms) => ms > 0 && ms <= 50)).toBe(true);
  });

  it('edits within the gap after a write wait for it and go out together; hurry or a flush writes at once', async () => {
    let now = 1000;
    const waits: { ms: number; done: () => void }[] = [];
    const writer = new PlanWriter(file, {
      gapMs: 250,
      now: () => now,
      timer: (done, ms) => {
        waits.push({ ms, done });
        return () => undefined;
      },
    });
    let writes = 0;
    const counted = () => (writes += 1);
    // The first write goes at once (no write before it).
    await writer.write({ taskId: 'T1', status: 'In Progress' }).then(counted);
    expect(waits).toEqual([]);
    now += 100;
    const later = [
      writer.write({ taskId: 'T2', status: 'In Progress' }).then(counted),
      writer.write({ taskId: 'T1', status: 'Completed' }).then(counted),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20));
    // 100 ms after the first write's start: 150 ms to wait, nothing written meanwhile.
    expect(waits.map((w) => w.ms)).toEqual([150]);
    expect(fields()['T2']?.[0]).toBe('Not Started');
    now += 150;
    waits[0]?.done();
    await Promise.all(later);
    expect(fields()).toMatchObject({
      T1: ['Completed', undefined],
      T2: ['In Progress', undefined],
    });
    // Something waits for the next edit (a task's end for its start): hurry writes it now.
    now += 10;
    const waited = writer.write({ taskId: 'T2', status: 'Completed' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(waits).toHaveLength(2);
    writer.hurry();
    await waited;
    expect(fields()['T2']?.[0]).toBe('Completed');
    // The next edit would wait again, but the run is ending: a flush writes it now.
    const last = writer.write({ taskId: 'T3', status: 'Failed' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(waits).toHaveLength(3);
    await writer.flush();
    await last;
    expect(fields()['T3']?.[0]).toBe('Failed');
  });

  it("a person's save while an edit is being made survives: the edit is made again on it", async () => {
    let reads = 0;
    const writer = new PlanWriter(file, {
      read: async (name) => {
        const text = readFileSync(name, 'utf8');
        // Right after the writer's first read, a person saves the plan with a note.
        if ((reads += 1) === 1) writeFileSync(name, `${text}\nA note added meanwhile.\n`);
        return text;
      },
    });
    await writer.write({ taskId: 'T2', status: 'Completed' });
    expect(readFileSync(file, 'utf8')).toContain('A note added meanwhile.');
    expect(fields()['T2']?.[0]).toBe('Completed');
    expect(reads).toBe(4);
  });

  it('the plan is read once more after the new text is written and synced, right before the rename', async () => {
    let reads = 0;
    let seen: string[] = [];
    const writer = new PlanWriter(file, {
      read: async (name) => {
        if ((reads += 1) === 2)
          // The check before the rename: the new text waits beside the plan, the plan is as it was.
          seen = readdirSync(dir)
            .filter((entry) => entry !== 'x-plan.md')
            .map((entry) => readFileSync(path.join(dir, entry), 'utf8'));
        return readFileSync(name, 'utf8');
      },
    });
    await writer.write({ taskId: 'T1', status: 'Completed' });
    expect(reads).toBe(2);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(readFileSync(file, 'utf8'));
    expect(fields()['T1']?.[0]).toBe('Completed');
    // Nothing is left beside the plan.
    expect(readdirSync(dir)).toEqual(['x-plan.md']);
  });

  it("keeps the plan's mode, and a symlinked plan's link (its target is written)", async () => {
    const real = path.join(dir, 'real-plan.md');
    writeFileSync(real, readFileSync(file, 'utf8'));
    chmodSync(real, 0o640);
    rmSync(file);
    symlinkSync(real, file);
    await new PlanWriter(file).write({ taskId: 'T2', status: 'Failed' });
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(fields()['T2']?.[0]).toBe('Failed');
  });

  it("a save from an editor's stale buffer loses nothing of the run's: the next write and the final one set every value again", async () => {
    const stale = readFileSync(file, 'utf8');
    const writer = new PlanWriter(file, { gapMs: 0 });
    await writer.write({ taskId: 'T1', status: 'Completed', log: 'done' });
    // A person saves the plan as it was when they opened it, before the run.
    writeFileSync(file, `${stale}\nA note.\n`);
    await writer.write({ taskId: 'T2', status: 'In Progress' });
    expect(fields()).toMatchObject({ T1: ['Completed', 'done'], T2: ['In Progress', undefined] });
    writeFileSync(file, `${stale}\nA note.\n`);
    await writer.flush();
    expect(fields()).toMatchObject({ T1: ['Completed', 'done'], T2: ['In Progress', undefined] });
    expect(readFileSync(file, 'utf8')).toContain('A note.');
    expect(writer.warnings).toEqual([]);
  });

  it('a plan saved again and again while it is written is not overwritten; the final write says so', async () => {
    let saves = 0;
    const save = (name: string) => {
      saves += 1;
      writeFileSync(name, `${readFileSync(name, 'utf8')}\nsave ${saves}\n`);
    };
    let busy = true;
    const writer = new PlanWriter(file, {
      gapMs: 0,
      // A person who saves between any two reads of the writer, as long as `busy`.
      read: async (name) => {
        const text = readFileSync(name, 'utf8');
        if (busy) save(name);
        return text;
      },
    });
    await writer.write({ taskId: 'T1', status: 'Completed' });
    // Every save of theirs is there; the write was left for later.
    expect(readFileSync(file, 'utf8')).toContain(`save ${saves}`);
    expect(fields()['T1']?.[0]).toBe('Not Started');
    expect(writer.warnings).toEqual([]);
    busy = false;
    await writer.flush();
    expect(fields()['T1']?.[0]).toBe('Completed');
    for (let n = 1; n <= saves; n += 1) expect(readFileSync(file, 'utf8')).toContain(`save ${n}\n`);
  });

  it('hurry while a write is under way: the next write follows it without waiting for the gap', async () => {
    let release = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const waits: number[] = [];
    const writer = new PlanWriter(file, {
      gapMs: 250,
      timer: (_done, ms) => {
        waits.push(ms);
        return () => undefined;
      },
      read: async (name) => {
        if (first) {
          first = false;
          await blocked;
        }
        return readFileSync(name, 'utf8');
      },
    });
    const one = writer.write({ taskId: 'T1', status: 'In Progress' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const two = writer.write({ taskId: 'T2', status: 'In Progress' });
    writer.hurry();
    release();
    await Promise.all([one, two]);
    expect(waits).toEqual([]);
    expect(fields()).toMatchObject({
      T1: ['In Progress', undefined],
      T2: ['In Progress', undefined],
    });
  });
});

describe('removeLeftTemps', () => {
  it("removes the temp files of writers that died mid-write, not a live writer's or others", () => {
    // No process can have a pid above the kernel's pid_max: that writer is surely gone.
    const dead = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    const names = [
      `.x-plan.md.ccglm-${dead}-0a1b2c3d4e5f`,
      `.x-plan.md.ccglm-${process.pid}-0a1b2c3d4e5f`,
      `.y-plan.md.ccglm-${dead}-0a1b2c3d4e5f`,
      `.x-plan.md.ccglm-notes`,
    ];
    for (const name of names) writeFileSync(path.join(dir, name), 'half a plan');
    removeLeftTemps(file);
    expect(readdirSync(dir).sort()).toEqual([...names.slice(1), 'x-plan.md'].sort());
  });

  it('a write leaves no temp file, and its temp name holds its pid', async () => {
    const seen: string[] = [];
    const writer = new PlanWriter(file, {
      read: async (name) => {
        seen.push(...readdirSync(dir).filter((entry) => entry.startsWith('.')));
        return readFileSync(name, 'utf8');
      },
    });
    await writer.write({ taskId: 'T1', status: 'In Progress' });
    await writer.flush();
    expect(seen.some((name) => name.startsWith(`.x-plan.md.ccglm-${process.pid}-`))).toBe(true);
    expect(readdirSync(dir)).toEqual(['x-plan.md']);
  });
});

describe('a note a person adds to a task log while the run writes it', () => {
  it('is kept below the run lines at that write and at every later one', async () => {
    const writer = new PlanWriter(file, { gapMs: 0, startLogs: new Map([['T1', undefined]]) });
    await writer.write({ taskId: 'T1', status: 'In Progress', log: 'job x running' });
    await writer.flush();
    // The person types a line under the run's In Progress line.
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '- **log**: job x running',
        '- **log**: job x running\n  - NOTE from ana',
      ),
    );
    await writer.write({ taskId: 'T1', status: 'Completed', log: 'job x, exit 0\nmerged' });
    await writer.flush();
    const log = () => parsePlan(readFileSync(file, 'utf8'), file).plan.tasks[0]?.log;
    expect(log()).toBe('job x, exit 0\nmerged\nnote: NOTE from ana');
    await writer.write({ taskId: 'T2', status: 'In Progress', log: 'job y running' });
    await writer.flush();
    expect(log()).toBe('job x, exit 0\nmerged\nnote: NOTE from ana');
  });
});
