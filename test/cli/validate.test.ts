import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    '# Plan: W\n\n### T1: One\n- **depends_on**: []\n- **description**: a\n- **description**: b\n- **status**: Done\n',
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
    expect(format.stderr).toBe(
      'ccglm: --format "xml": expected one of text, json, github, sarif (see ccglm help validate)\n',
    );
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

describe('ccglm validate: --ignore, --quiet, the config and --fix', () => {
  // warn-plan.md: CCG308 (no location) and CCG304 (`Done`) warnings.
  const config = (data: unknown) =>
    writeFileSync(path.join(dir, 'ccglm.config.json'), JSON.stringify(data));
  const noConfig = () => rmSync(path.join(dir, 'ccglm.config.json'), { force: true });

  it('--ignore drops codes (comma-separated or repeated, any case); --strict then passes', () => {
    expect(
      cli('validate', '--strict', '--ignore', 'CCG308,ccg304,CCG310', 'plans/warn-plan.md'),
    ).toMatchObject({
      status: 0,
      stdout: '0 errors, 0 warnings, 0 infos in 1 file\n',
    });
    const repeated = cli(
      'validate',
      '--ignore',
      'CCG308',
      '--ignore',
      'CCG304',
      '--ignore',
      'CCG310',
      '--strict',
      'plans/warn-plan.md',
    );
    expect(repeated.status).toBe(0);
    // An ignored error no longer fails.
    expect(cli('validate', '--ignore', 'CCG201', 'plans/bad-plan.md').status).toBe(0);
  });

  it('an unknown code in --ignore is a usage error naming it and the code families', () => {
    const result = cli('validate', '--ignore', 'CCG309,CCG999', 'plans/good-plan.md');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'ccglm: unknown code CCG999 in --ignore, expected codes such as CCG309: CCG1xx plan structure, CCG2xx graph, CCG3xx fields and values, CCG4xx lint (see README, Diagnostics)\n',
    );
  });

  it('--quiet reports errors only (and only errors fail, even with --strict)', () => {
    expect(cli('validate', '--quiet', '--strict', 'plans/warn-plan.md')).toMatchObject({
      status: 0,
      stdout: '0 errors, 0 warnings, 0 infos in 1 file\n',
    });
    const bad = cli('validate', '--quiet', 'plans/bad-plan.md', 'plans/warn-plan.md');
    expect(bad.status).toBe(1);
    expect(bad.stdout).not.toContain('warning CCG');
  });

  it('the config validate section sets ignore, strict and quiet; flags override it', () => {
    try {
      config({ validate: { ignore: ['CCG308'], strict: true } });
      const strict = cli('validate', 'plans/warn-plan.md');
      expect(strict.status).toBe(1);
      expect(strict.stdout).toContain('CCG304');
      expect(strict.stdout).not.toContain('CCG308');
      expect(cli('validate', '--no-strict', 'plans/warn-plan.md').status).toBe(0);
      // --ignore replaces the config's list.
      expect(cli('validate', '--ignore', 'CCG304', 'plans/warn-plan.md').stdout).toContain(
        'CCG308',
      );
      config({ validate: { quiet: true } });
      expect(cli('validate', 'plans/warn-plan.md').stdout).toBe(
        '0 errors, 0 warnings, 0 infos in 1 file\n',
      );
    } finally {
      noConfig();
    }
  });

  it('a config that does not fit the schema, or names an unknown code, is one line and exit 1', () => {
    try {
      config({ validate: { ignore: ['CCG309'], strikt: true } });
      const extra = cli('validate', 'plans/good-plan.md');
      expect(extra.status).toBe(1);
      expect(extra.stderr).toMatch(
        /^ccglm: .*ccglm\.config\.json:\d+: validate\.strikt: unknown key \(did you mean "strict"\?\); expected one of ignore, strict, quiet\n\(the schema: schemas\/config\.schema\.json\)\n$/,
      );
      config({ validate: { ignore: ['CCG199'] } });
      const unknown = cli('validate', 'plans/good-plan.md');
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(
        /unknown code CCG199 in .*ccglm\.config\.json validate\.ignore/,
      );
    } finally {
      noConfig();
    }
  });

  it('--fix rewrites status variants in place, says what it changed, then checks the fixed plan', () => {
    const file = path.join(dir, 'plans/fix-plan.md');
    const before = [
      '# Plan: F',
      '',
      '### T1: One',
      '- **depends_on**: []',
      '- **location**: `a.ts`',
      '- **description**: a',
      '- **status**: Done',
      '',
      '### T2: Two',
      '- **depends_on**: [T1]',
      '- **location**: `b.ts`',
      '- **description**: b',
      '- **status**: Deferred (next quarter)',
      '',
    ].join('\r\n');
    writeFileSync(file, before);
    const result = cli('validate', '--fix', '--strict', 'plans/fix-plan.md');
    expect(result.stdout).toBe(
      [
        'plans/fix-plan.md:7:15 CCG304 Done → Completed',
        'plans/fix-plan.md:13:15 CCG304 Deferred → Skipped',
        'fixed 2 in plans/fix-plan.md',
        '0 errors, 0 warnings, 0 infos in 1 file',
        '',
      ].join('\n'),
    );
    expect(result.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(
      before.replace('Done', 'Completed').replace('Deferred', 'Skipped'),
    );
    // Nothing left to fix: the file is not written again.
    expect(cli('validate', '--fix', 'plans/fix-plan.md').stdout).toBe(
      '0 errors, 0 warnings, 0 infos in 1 file\n',
    );
    // An ignored code is not fixed; with --format json the fix lines go to stderr.
    writeFileSync(file, before);
    expect(
      cli('validate', '--fix', '--ignore', 'CCG304', 'plans/fix-plan.md').stdout,
    ).not.toContain('→');
    // --quiet quiets the report, not the fixes (it made --fix a silent no-op).
    writeFileSync(file, before);
    expect(cli('validate', '--fix', '--quiet', 'plans/fix-plan.md').stdout).toContain(
      'fixed 2 in plans/fix-plan.md\n',
    );
    expect(readFileSync(file, 'utf8')).toBe(
      before.replace('Done', 'Completed').replace('Deferred', 'Skipped'),
    );
    writeFileSync(file, before);
    const json = cli('validate', '--fix', '--format', 'json', 'plans/fix-plan.md');
    expect(json.stderr).toContain('plans/fix-plan.md:7:15 CCG304 Done → Completed');
    expect(JSON.parse(json.stdout).summary).toEqual({ errors: 0, warnings: 0, infos: 0, files: 1 });
  });

  it('ccglm waves leaves ignored findings out of the preview (its overlaps)', () => {
    // The config is found from the plan's folder upward: the fixture is copied under it.
    const plan = path.join(dir, 'plans', 'overlaps.md');
    writeFileSync(plan, readFileSync('fixtures/plans/overlaps.md'));
    expect(cli('waves', plan).stdout).toContain('Overlaps (2):');
    try {
      config({ validate: { ignore: ['CCG401'] } });
      expect(cli('waves', plan).stdout).not.toContain('Overlaps (');
      expect(cli('waves', '--ignore', 'CCG404', plan).stdout).toContain('Overlaps (2):');
    } finally {
      noConfig();
    }
    expect(cli('waves', '--ignore', 'CCG4O1', plan)).toMatchObject({ status: 2 });
  });
});
