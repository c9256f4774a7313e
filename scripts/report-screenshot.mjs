#!/usr/bin/env node
// The README's picture of `ccglm report`: runs `ccglm demo` (offline, the demo agent) in a temp
// folder with its own HOME, writes the demo run's report, and has headless Chromium (the same
// path as test/report/browser.test.ts) take its screenshot into docs/report-screenshot.png.
// Run after `npm run build`: node scripts/report-screenshot.mjs [out.png]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, screenshot } from './chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'ccglm.js');
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs', 'report-screenshot.png'));
const chromium = findChromium();
if (chromium === undefined) {
  console.error('report-screenshot: no chromium (node scripts/setup-e2e.mjs installs it as root)');
  process.exit(1);
}
const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-screenshot-'));
const home = path.join(dir, 'home');
mkdirSync(home);
const env = { ...process.env, HOME: home };
delete env.XDG_STATE_HOME;
const ccglm = (...args) => {
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(
      `report-screenshot: ccglm ${args.join(' ')} exited ${result.status}\n${result.stderr}`,
    );
    process.exit(1);
  }
};
try {
  const demo = path.join(dir, 'demo');
  ccglm('demo', demo);
  const report = path.join(dir, 'report.html');
  ccglm('report', path.join(demo, 'demo-plan.md'), '-o', report);
  mkdirSync(path.dirname(out), { recursive: true });
  const { console: logged } = screenshot(chromium, report, out, 1100, 1000);
  if (logged.length > 0) console.error(`report-screenshot: the page logged:\n${logged.join('\n')}`);
  console.log(`report-screenshot: ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
