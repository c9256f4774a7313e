import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    expect(compiled.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(compiled.graph.waves).toEqual([['T1'], ['T2']]);
    expect(compiled.plan.tasks[0]?.repo).toBe('api');
    const second = cli(['init', 'auth-refactor', '--dir', dir]);
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(
      `ccglm: ${file} already exists; ccglm init never overwrites a plan\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
