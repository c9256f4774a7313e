import { tmpdir } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    // Sandboxes live under the temp folder: a stray ccglm.config.json there (or above) is not theirs.
    env: { CCGLM_CONFIG_CEILING: tmpdir() },
    hookTimeout: 60_000,
  },
});
