// Headless Chromium (Debian's `chromium`) for the report: its browser test and its README
// screenshot (scripts/report-screenshot.mjs) render pages the same way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// No network beyond this machine: Chromium's own background traffic (updates, sync, lookups) is
// switched off, and each call gets a fresh profile folder.
const base = [
  '--headless',
  '--disable-gpu',
  '--no-sandbox',
  '--hide-scrollbars',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The chromium binary, or undefined when there is none. */
export function findChromium() {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  });
  return found.status === 0 ? found.stdout.trim().split('\n')[0] : undefined;
}

function chromium(binary, args) {
  const profile = mkdtempSync(path.join(tmpdir(), 'ccglm-chromium-'));
  const result = spawnSync(
    binary,
    [...base, `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...args],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  rmSync(profile, { recursive: true, force: true });
  if (result.status !== 0)
    throw new Error(`${binary} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  // Console messages are logged as `CONSOLE(...)`/`Uncaught ...` lines.
  const console = result.stderr
    .split('\n')
    .filter((line) => /:CONSOLE\(|Uncaught|Refused to/.test(line));
  return { stdout: result.stdout, console };
}

/** The DOM of `file` once its scripts ran, and the console lines the page logged. */
export function dumpDom(binary, file) {
  const { stdout, console } = chromium(binary, [
    '--virtual-time-budget=2000',
    '--dump-dom',
    `file://${file}`,
  ]);
  return { dom: stdout, console };
}

/** A PNG of `file` at width x height. */
export function screenshot(binary, file, png, width = 1100, height = 1200) {
  return chromium(binary, [
    `--window-size=${width},${height}`,
    '--virtual-time-budget=2000',
    `--screenshot=${png}`,
    `file://${file}`,
  ]);
}
