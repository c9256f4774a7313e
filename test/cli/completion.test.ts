import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = path.resolve('bin/ccglm.js');
const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-complete-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plan = path.join(dir, 'api-plan.md');
writeFileSync(
  plan,
  ['A1', 'B2', 'C3']
    .map(
      (id) =>
        `### ${id}: Step\n- **depends_on**: []\n- **location**: x.ts\n- **description**: d\n- **status**: Not Started\n`,
    )
    .join('\n'),
);
// `ccglm` on PATH, as an installed one is (the scripts call it by name).
const shims = path.join(dir, 'bin');
mkdirSync(shims);
writeFileSync(path.join(shims, 'ccglm'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
chmodSync(path.join(shims, 'ccglm'), 0o755);
const env = { ...process.env, PATH: `${shims}:${process.env['PATH'] ?? ''}` };

const complete = (...words: string[]) =>
  spawnSync(process.execPath, [bin, '__complete', ...words], { encoding: 'utf8', cwd: dir })
    .stdout.split('\n')
    .filter(Boolean);

describe('shell completion', () => {
  it('offers commands, options, choices and the task ids of the plan on the command line', () => {
    expect(complete('')).toEqual(expect.arrayContaining(['run', 'validate', 'completion', 'job']));
    expect(complete('help', '')).toContain('waves');
    expect(complete('run', plan, '--only', '')).toEqual(['A1', 'B2', 'C3']);
    expect(complete('run', '--from', 'B', plan)).toEqual([]);
    expect(complete('run', plan, '--from', '')).toEqual(['A1', 'B2', 'C3']);
    expect(complete('prompt', plan, '')).toEqual(['A1', 'B2', 'C3']);
    expect(complete('run', plan, '--strategy', '')).toEqual(['waves', 'eager']);
    expect(complete('run', plan, '--dr')).toEqual(
      expect.arrayContaining(['--dry-run', '--pty', '--no-pty']),
    );
    expect(complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('job', '')).toEqual(expect.arrayContaining(['start', 'status', 'watchdog']));
    expect(complete('help', 'job', '')).toContain('tail');
    // A value that is a file: no candidates, the shell completes file names.
    expect(complete('run', '')).toEqual([]);
  });

  it('the bash script completes task ids for --only in a real bash', () => {
    const script = [
      'eval "$(ccglm completion bash)"',
      `COMP_WORDS=(ccglm run ${plan} --only B); COMP_CWORD=4; _ccglm`,
      'printf "%s\\n" "${COMPREPLY[@]}"',
      `COMP_WORDS=(ccglm va); COMP_CWORD=1; _ccglm`,
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const result = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8', env, cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('B2\nvalidate\n');
  });

  it('prints a script for zsh and fish that asks ccglm __complete; another shell is refused', () => {
    const zsh = spawnSync(process.execPath, [bin, 'completion', 'zsh'], { encoding: 'utf8' });
    expect(zsh.stdout).toMatch(/^#compdef ccglm\n/);
    expect(zsh.stdout).toContain('ccglm __complete');
    const fish = spawnSync(process.execPath, [bin, 'completion', 'fish'], { encoding: 'utf8' });
    expect(fish.stdout).toContain("complete -c ccglm -f -a '(__ccglm_complete)'");
    const tcsh = spawnSync(process.execPath, [bin, 'completion', 'tcsh'], { encoding: 'utf8' });
    expect(tcsh.status).toBe(2);
    expect(tcsh.stderr).toBe(
      'ccglm: SHELL "tcsh": expected one of bash, zsh, fish (see ccglm help completion)\n',
    );
  });
});
