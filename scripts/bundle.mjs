#!/usr/bin/env node
// Bundles the CLI entry into dist/bundle/ (one file plus a chunk per lazily loaded command), so that
// starting ccglm resolves a handful of files instead of several hundred small ESM modules: start-up
// is most of the time of `ccglm validate` on an ordinary plan. tsc still builds dist/ (the job host
// and the demo agent run from there as their own processes).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * yargs lays out help text with cliui and string-width, whose modules build a text segmenter and
 * compile Unicode-property regexes when they load (~17 ms, more than the rest of the CLI's module
 * code): every command paid for them, help or not. Here yargs gets stand-ins that load them on first
 * use (esbuild initialises a module reached by require() when it is first required), so only help
 * and usage errors do.
 */
const lazyHelpLayout = {
  name: 'lazy-help-layout',
  setup(build) {
    const yargsShim = /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/;
    build.onResolve({ filter: /^(cliui|string-width)$/ }, (args) =>
      yargsShim.test(args.importer)
        ? { path: args.path, namespace: 'lazy-help-layout', pluginData: args.resolveDir }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-help-layout' }, (args) => ({
      contents: [
        'let loaded;',
        'export default function lazy(...args) {',
        `  loaded ??= require(${JSON.stringify(args.path)});`,
        '  return (loaded.default ?? loaded)(...args);',
        '}',
      ].join('\n'),
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};
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
  // Prefer a package's ES module build (jsonc-parser's UMD main requires its files at run time).
  mainFields: ['module', 'main'],
  plugins: [lazyHelpLayout],
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
