import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertJobId, jobFiles } from '../../src/jobs/ids.js';
import { parseKeyValues, formatKeyValues } from '../../src/jobs/kv.js';
import { parseProcStat } from '../../src/jobs/proc.js';
import { readMeta, rotateAttempt, listJobIds, updateMeta } from '../../src/jobs/store.js';
import { spawn } from 'node:child_process';
import { packageRoot } from '../../src/paths.js';
import { removeAnsi } from '../../src/jobs/format.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccglm-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('job ids', () => {
  it.each(['bd-1', 'T1.2', 'a_b', 'X'])('accepts %s', (id) =>
    expect(() => assertJobId(id)).not.toThrow(),
  );
  it.each(['../x', 'a/b', '', '.', '..', 'a b', 'bd;rm'])(
    'refuses %j with exit 2 and one line',
    (id) => {
      expect(() => jobFiles(dir, id)).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: `invalid job id '${id}': expected only letters, digits, '.', '_' and '-'`,
        }),
      );
    },
  );
});

describe('key=value files', () => {
  it('splits on the first =, keeps unknown keys and skips comments', () => {
    expect(parseKeyValues('# header\nbeads=bd-1\nurl=http://x/?a=b\n\nfuture_key=1\n')).toEqual({
      ok: true,
      values: { beads: 'bd-1', url: 'http://x/?a=b', future_key: '1' },
    });
  });
  it('names the corrupt line', () => {
    expect(parseKeyValues('beads=x\nthis is not a pair\n')).toEqual({
      ok: false,
      line: 2,
      text: 'this is not a pair',
    });
  });
  it('keeps values on one line', () => {
    expect(formatKeyValues({ a: 'x\ny' })).toBe('a=x y\n');
  });
  it('reports a corrupt meta as one line with file and line', () => {
    fs.writeFileSync(path.join(dir, 'j.meta'), 'beads=j\ngarbage\n');
    expect(() => readMeta(dir, 'j')).toThrow(
      `corrupt job file ${path.join(dir, 'j.meta')}:2: expected key=value, found 'garbage'`,
    );
  });
});

describe('updateMeta', () => {
  it('loses no key when several processes update the same meta at once', async () => {
    updateMeta(dir, 'j', { beads: 'j' });
    const store = path.join(packageRoot, 'dist', 'jobs', 'store.js');
    const writers = [0, 1, 2, 3].map(
      (w) =>
        new Promise<number | null>((resolve) => {
          const script = `const { updateMeta } = await import(${JSON.stringify(store)});
            for (let i = 0; i < 40; i++) updateMeta(${JSON.stringify(dir)}, 'j', { ['w${w}_' + i]: String(i) });`;
          spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).on(
            'exit',
            resolve,
          );
        }),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    expect(Object.keys(readMeta(dir, 'j') ?? {})).toHaveLength(1 + 4 * 40);
    expect(fs.readdirSync(dir)).toEqual(['j.meta']);
  });
});

describe('rotateAttempt', () => {
  it('moves log and outcome to the first free number (.1 oldest) and never truncates', () => {
    const files = jobFiles(dir, 'j');
    for (const attempt of ['first', 'second']) {
      fs.writeFileSync(files.log, `${attempt} log\n`);
      fs.writeFileSync(files.outcome, `exit_code=${attempt === 'first' ? 1 : 2}\n`);
      rotateAttempt(dir, 'j');
    }
    expect(fs.readFileSync(`${files.log}.1`, 'utf8')).toBe('first log\n');
    expect(fs.readFileSync(`${files.log}.2`, 'utf8')).toBe('second log\n');
    expect(fs.readFileSync(`${files.outcome}.2`, 'utf8')).toBe('exit_code=2\n');
    expect(fs.existsSync(files.log)).toBe(false);
  });
  it('drops a 0-byte log instead of rotating it', () => {
    const files = jobFiles(dir, 'j');
    fs.writeFileSync(files.log, '');
    rotateAttempt(dir, 'j');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
  it('lists jobs by their meta, or a pid file beside a log', () => {
    for (const name of ['b.meta', 'a.pid', 'c.log', 'x.log.1', 'd.pid', 'd.log', 'watchdog.pid'])
      fs.writeFileSync(path.join(dir, name), '');
    expect(listJobIds(dir)).toEqual(['b', 'd']);
  });
});

describe('/proc/<pid>/stat', () => {
  it('reads fields after the last parenthesis (comm may hold spaces and parens)', () => {
    const text =
      '4242 (we ird) (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 1 0 987654 1000 100';
    expect(parseProcStat(4242, text)).toEqual({
      pid: 4242,
      state: 'S',
      ppid: 1,
      pgrp: 4242,
      session: 4242,
      cpuSeconds: 2,
      startTime: '987654',
    });
  });
});

describe('removeAnsi', () => {
  it('strips colours, cursor movement, OSC titles/links and two-byte escapes', () => {
    const text =
      '\u001b[31mred\u001b[0m \u001b[2K\u001b[1Gline\u001b]0;title\u0007 \u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\ \u001b7saved\u001b8\n';
    expect(removeAnsi(text)).toBe('red line link saved\n');
  });
  it('keeps only what a terminal would show after carriage-return redraws', () => {
    expect(removeAnsi('10%\r50%\r100%\r\ndone\n')).toBe('100%\ndone\n');
  });
});
