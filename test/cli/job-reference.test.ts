import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ccglmBin } from '../../src/paths.js';

/**
 * `ccglm job` and `ccglm headless` keep the shell runner's options as yargs modules (not command
 * tables), so the README's reference points to their sections: those sections must name every
 * option their help lists, and each option must have a description.
 */
const readme = readFileSync('README.md', 'utf8');
const section = (name: string) =>
  readme.slice(
    readme.indexOf(`<!-- section:${name} -->`),
    readme.indexOf(`<!-- /section:${name} -->`),
  );
const help = (...args: string[]) =>
  spawnSync(process.execPath, [ccglmBin, ...args, '--help'], { encoding: 'utf8' }).stdout;

/** `--flag` names of the options in a help text, and the ones printed without a description. */
function optionsOf(text: string): { names: string[]; undescribed: string[] } {
  const lines = text.slice(text.indexOf('Options:')).split('\n').slice(1);
  const names: string[] = [];
  const undescribed: string[] = [];
  for (const line of lines) {
    const match = /^\s+(?:-\w, )?--([\w-]+)\s*(.*)$/.exec(line);
    if (match === null) continue;
    const [, name, rest] = match as unknown as [string, string, string];
    if (name === 'help') continue;
    names.push(name);
    if (/^\[/.test(rest.trim()) || rest.trim() === '') undescribed.push(name);
  }
  return { names, undescribed };
}

describe('the README on ccglm job and ccglm headless', () => {
  it('names every option of every job command, each described in its help', () => {
    const subcommands = [...help('job').matchAll(/^ {2}ccglm job ([\w-]+)/gm)].map((m) => m[1]);
    expect(subcommands.length).toBeGreaterThan(10);
    const text = section('job');
    let total = 0;
    for (const sub of subcommands) {
      const { names, undescribed } = optionsOf(help('job', sub as string));
      total += names.length;
      expect(undescribed, `ccglm job ${sub}: options without a description`).toEqual([]);
      for (const name of names)
        expect(
          text.includes(`--${name}`),
          `README's job section names --${name} (job ${sub})`,
        ).toBe(true);
    }
    expect(total).toBeGreaterThan(40);
  }, 60_000);

  it('names every option of headless, each described in its help', () => {
    const { names, undescribed } = optionsOf(help('headless'));
    expect(names.length).toBeGreaterThan(5);
    expect(undescribed).toEqual([]);
    const text = section('headless');
    for (const name of names)
      expect(text.includes(`--${name}`), `README's headless section names --${name}`).toBe(true);
  });
});
