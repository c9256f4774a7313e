import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = path.resolve('bin/ccglm.js');
let dir = '';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccglm-validate-'));
  mkdirSync(path.join(dir, 'plans'));
  writeFileSync(
    path.join(dir, 'plans/good-plan.md'),
    '# Plan: G\n\n### T1: One\n- **depends_on**: []\n- **location**: `a.ts`\n- **description**: a\n',
  );
  writeFileSync(
    path.join(dir, 'plans/warn-plan.md'),
    '# Plan: W\n\n### T1: One\n- **depends_on**: []\n- **description**: a\n- **status**: Done\n',
  );
  writeFileSync(
    path.join(dir, 'plans/bad-plan.md'),
    '# Plan: B\n\n### T1: One\n- **depends_on**: [T2]\n- **location**: `a.ts`\n- **description**: a\n',
  );
  writeFileSync(path.join(dir, 'empty.md'), '');
  writeFileSync(path.join(dir, 'binary.md'), Buffer.from([0x23, 0x00, 0x01, 0xff]));
  writeFileSync(path.join(dir, 'latin1.md'), Buffer.from([0x23, 0x20, 0xe9, 0x0a]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ccglm validate', () => {
  it('exit 0 for a valid plan, warnings allowed unless --strict', () => {
    expect(cli('validate', 'plans/good-plan.md')).toMatchObject({
      status: 0,
      stdout: '0 errors, 0 warnings, 0 infos in 1 file\n',
    });
    expect(cli('validate', 'plans/warn-plan.md').status).toBe(0);
    expect(cli('validate', '--strict', 'plans/warn-plan.md').status).toBe(1);
  });

  it('checks several files and globs in one call; exit 1 when any has errors', () => {
    const result = cli('validate', 'plans/*-plan.md');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('plans/bad-plan.md:4:20: error CCG201');
    expect(result.stdout).toMatch(/1 error, \d+ warnings?, \d+ infos? in 3 files\n$/);
  });

  it('usage errors exit 2 with one line: unknown format, a glob matching nothing, no file', () => {
    const format = cli('validate', '--format', 'xml', 'plans/good-plan.md');
    expect(format.status).toBe(2);
    expect(format.stderr).toMatch(/^ccglm: Invalid values:/);
    const glob = cli('validate', 'nothing/*.md');
    expect(glob).toMatchObject({ status: 2, stderr: 'ccglm: no file matches nothing/*.md\n' });
    expect(cli('validate').status).toBe(2);
  });

  it.each([
    ['missing.md', 'missing.md: no such file'],
    ['plans', 'plans: is a directory, expected a plan file (<topic>-plan.md)'],
    ['binary.md', 'binary.md: is a binary file, expected markdown text'],
    ['latin1.md', 'latin1.md: is not valid UTF-8 text, expected a markdown plan'],
  ])('an unreadable plan (%s) gets one line and exit 1, never a stack trace', (file, message) => {
    const result = cli('validate', file);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`ccglm: ${message}\n`);
  });

  it('an empty file is reported as a plan without tasks', () => {
    const result = cli('validate', 'empty.md');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('empty.md:1:1: error CCG101 No tasks found');
  });
});
