#!/usr/bin/env node
// Bundles the CLI entry into dist/bundle/ (one file plus a chunk per lazily loaded command), so that
// starting ccglm resolves a handful of files instead of several hundred small ESM modules: start-up
// is most of the time of `ccglm validate` on an ordinary plan. tsc still builds dist/ (the job host
// and the demo agent run from there as their own processes).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli/main.ts`],
  outdir: `${root}dist/bundle`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['@lydell/node-pty'],
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: [
      "import { createRequire as __ccglmCreateRequire } from 'node:module';",
      "import { fileURLToPath as __ccglmFileURLToPath } from 'node:url';",
      'const require = __ccglmCreateRequire(import.meta.url);',
      'const __filename = __ccglmFileURLToPath(import.meta.url);',
    ].join(' '),
  },
  logLevel: 'warning',
});
