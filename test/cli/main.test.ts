import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ccglm.js', ...args], { encoding: 'utf8' });

describe('ccglm CLI', () => {
  it('prints help listing its commands', () => {
    const out = execFileSync(process.execPath, ['bin/ccglm.js', '--help'], { encoding: 'utf8' });
    expect(out).toContain('ccglm');
    // Laid out in columns (cliui and string-width, which the bundle loads on first use only).
    expect(out).toMatch(/^ {2}ccglm validate <plans\.\.> +Check plan files/m);
  });

  it("prints a command's help with its options in columns", () => {
    const out = execFileSync(process.execPath, ['bin/ccglm.js', 'run', '--help'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^ {6}--strategy +\[string\] \[choices: "waves", "eager"\]/m);
    expect(out).toMatch(/^ {6}--dry-run {8}print the wave preview/m);
  });

  it('exits 2 with a one-line usage message for an unknown command', () => {
    const result = cli(['no-such-command']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^ccglm: /);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
