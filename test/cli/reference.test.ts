import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReference } from '../../src/cli/reference.js';

const START =
  '<!-- section:reference (generated from src/cli/commands: UPDATE=1 npx vitest run test/cli/reference.test.ts) -->\n';
const END = '<!-- /section:reference -->';

describe("README's command reference", () => {
  it('is the one the command tables give (every option, its type, default and description)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, 'README.md has the reference markers').toBeGreaterThan(0);
    const expected = `${START}\n${renderReference()}`;
    const actual = readme.slice(start, end);
    if (process.env['UPDATE'] === '1' && actual !== expected)
      writeFileSync('README.md', readme.slice(0, start) + expected + readme.slice(end));
    else expect(actual).toBe(expected);
  });
});
