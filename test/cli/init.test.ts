import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/graph/compile.js';

const cli = (args: string[], cwd?: string) =>
  spawnSync(process.execPath, [path.resolve('bin/ccglm.js'), ...args], {
    encoding: 'utf8',
    ...(cwd ? { cwd } : {}),
  });

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ccglm init', () => {
  it('writes a valid <topic>-plan.md and never overwrites it', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccglm-init-'));
    const first = cli(['init', 'auth-refactor', '--dir', dir, '--repo', 'api']);
    expect(first.status).toBe(0);
    const file = path.join(dir, 'auth-refactor-plan.md');
    expect(first.stdout).toContain(`wrote ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# Plan: Auth refactor\n')).toBe(true);
    const compiled = compilePlan(text, file);
    // The template's placeholders are errors of their own (CCG313), nothing else is wrong.
    const problems = compiled.diagnostics.filter((d) => d.severity !== 'info');
    expect(new Set(problems.map((d) => d.code))).toEqual(new Set(['CCG313']));
    expect(problems.length).toBe(7);
    expect(compiled.graph.waves).toEqual([['T1'], ['T2']]);
    expect(compiled.plan.tasks[0]?.repo).toBe('api');
    const second = cli(['init', 'auth-refactor', '--dir', dir]);
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(
      `ccglm: ${file} already exists; ccglm init never overwrites a plan\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses a topic that is not a plain name, writing nothing', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccglm-init-'));
    const inner = path.join(dir, 'inner');
    mkdirSync(inner);
    for (const topic of ['../escape', '.hidden', 'a/b', 'a\\b', 'a b']) {
      const result = cli(['init', topic], inner);
      expect(result.status, topic).toBe(2);
      expect(result.stderr, topic).toMatch(/^ccglm: TOPIC ".*": expected a plain topic name.*\n$/);
    }
    expect(readdirSync(dir)).toEqual(['inner']);
    expect(readdirSync(inner)).toEqual([]);
  });

  it('an unedited template never runs: validate and run --dry-run name each placeholder (CCG313)', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccglm-init-'));
    expect(cli(['init', 'demo', '--dir', dir]).status).toBe(0);
    const plan = path.join(dir, 'demo-plan.md');
    const validate = cli(['validate', plan]);
    expect(validate.status).toBe(1);
    expect(validate.stdout).toMatch(/CCG313.*location `path\/to\/file1` is the template's example/);
    expect(validate.stdout).toMatch(
      /CCG313.*`description` is still the template's `\[describe what to do/,
    );
    const env = { ...process.env, HOME: dir, XDG_STATE_HOME: path.join(dir, 'state') };
    const run = spawnSync(
      process.execPath,
      [path.resolve('bin/ccglm.js'), 'run', plan, '--dry-run'],
      {
        encoding: 'utf8',
        env,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('CCG313');
    expect(run.stdout).toContain('has errors; nothing was started');
  });
});
