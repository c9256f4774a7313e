import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../src/jobs/watch.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('waitFor (fs.watch on a folder, a slow poll behind it)', () => {
  it('wakes on its own files; with `names`, on those only (a log that grows wakes nothing)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-watch-'));
    dirs.push(dir);
    let checks = 0;
    let anyChecks = 0;
    const outcome = path.join(dir, 'job1.outcome');
    const read = () => {
      try {
        return readFileSync(outcome, 'utf8') || undefined;
      } catch {
        return undefined;
      }
    };
    const only = waitFor({
      dir,
      prefix: 'job1',
      names: ['job1.outcome'],
      pollMs: 60_000,
      check: () => {
        checks += 1;
        return read();
      },
    });
    const any = waitFor({
      dir,
      prefix: 'job1',
      pollMs: 60_000,
      check: () => {
        anyChecks += 1;
        return read();
      },
    });
    for (let line = 0; line < 5; line += 1) {
      appendFileSync(path.join(dir, 'job1.log'), `line ${line}\n`);
      await tick(20);
    }
    appendFileSync(path.join(dir, 'job2.log'), 'another job\n');
    await tick(50);
    expect(checks).toBe(1); // the first look only
    expect(anyChecks).toBeGreaterThan(1);
    // The outcome arrives as the host writes it: a temporary file renamed into place.
    writeFileSync(path.join(dir, 'job1.outcome.tmp'), 'done');
    renameSync(path.join(dir, 'job1.outcome.tmp'), outcome);
    expect(await only).toBe('done');
    expect(await any).toBe('done');
  });
});

describe("waitFor with a wake source (a shared host's notices)", () => {
  it('checks when woken and on its poll, and watches no folder', async () => {
    const dir = path.join(tmpdir(), 'ccglm-watch-none-such');
    let listener: (() => void) | undefined;
    let stopped = false;
    let ready = false;
    let checks = 0;
    const waiting = waitFor({
      dir, // does not exist: a watch on it would fail; none is made
      prefix: 'job',
      pollMs: 60_000,
      wake: (wakeUp) => {
        listener = wakeUp;
        return () => (stopped = true);
      },
      check: () => {
        checks += 1;
        return ready ? 'done' : undefined;
      },
    });
    expect(checks).toBe(1); // the first look, at once
    listener?.();
    expect(checks).toBe(2);
    ready = true;
    listener?.();
    expect(await waiting).toBe('done');
    expect(stopped).toBe(true);
  });
});
