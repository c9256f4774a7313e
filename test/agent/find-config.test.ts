import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findConfig } from '../../src/agent/config.js';

const root = mkdtempSync(path.join(tmpdir(), 'ccglm-find-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('finding ccglm.config.json', () => {
  const project = path.join(root, 'work', 'project', 'plans');
  mkdirSync(project, { recursive: true });
  const above = path.join(root, 'ccglm.config.json');
  writeFileSync(above, '{}\n');

  it('is the nearest from the folder upward', () => {
    expect(findConfig(project, {})).toBe(above);
    const near = path.join(root, 'work', 'project', 'ccglm.config.json');
    writeFileSync(near, '{}\n');
    expect(findConfig(project, {})).toBe(near);
    rmSync(near);
  });

  it('stops before going up into a folder of CCGLM_CONFIG_CEILING (as GIT_CEILING_DIRECTORIES)', () => {
    const ceiling = path.join(root, 'work');
    expect(findConfig(project, { CCGLM_CONFIG_CEILING: ceiling })).toBeUndefined();
    expect(findConfig(project, { CCGLM_CONFIG_CEILING: `/nowhere:${root}` })).toBeUndefined();
    // The ceiling's own folder is not searched; folders under it are.
    expect(findConfig(project, { CCGLM_CONFIG_CEILING: path.dirname(root) })).toBe(above);
    // Relative entries are ignored, as git ignores them.
    expect(findConfig(project, { CCGLM_CONFIG_CEILING: 'work' })).toBe(above);
  });
});
