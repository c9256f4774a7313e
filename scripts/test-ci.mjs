#!/usr/bin/env node
// The README's test command (and so CI's): install what the end-to-end tests need, run every test,
// and end with the plain line `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (existsSync(new URL('./setup-e2e.mjs', import.meta.url))) {
  const status = run(process.execPath, ['scripts/setup-e2e.mjs']);
  if (status !== 0)
    console.error(`setup-e2e exited ${status}; end-to-end tests that need it will fail`);
}

const results = '.vitest-results.json';
rmSync(new URL(`../${results}`, import.meta.url), { force: true });
const status = run(process.execPath, [
  'node_modules/vitest/vitest.mjs',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${results}`,
  ...process.argv.slice(2),
]);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(new URL(`../${results}`, import.meta.url), 'utf8'));
  passed = report.numPassedTests ?? 0;
  // Failed tests, plus test files that failed without a failing test (they did not load).
  const brokenFiles = (report.testResults ?? []).filter(
    (file) =>
      file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  ).length;
  failed = (report.numFailedTests ?? 0) + brokenFiles;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
} catch {
  failed += 1;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
