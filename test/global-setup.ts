import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The newest modification time of a file or of any file under a folder (0 when missing). */
function newest(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(
      stat.mtimeMs,
      ...readdirSync(file).map((name) => newest(path.join(file, name))),
    );
  } catch {
    return 0;
  }
}

/** The oldest modification time of the given files (0 when one is missing). */
function oldest(files: string[]): number {
  return Math.min(...files.map((file) => newest(file)));
}

/**
 * Whether dist/ (tsc's output and the bundle) was built after every input changed, as make decides:
 * `npm run build` (or `npm pack`, `npm run demo`) builds it, and a test run after it need not build it again (tsc alone takes
 * several seconds while no test can start).
 */
function distIsFresh(): boolean {
  const inputs = [
    'src',
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'scripts/bundle.mjs',
  ];
  const outputs = ['dist/.tsbuildinfo', 'dist/bundle/main.js'];
  const built = oldest(outputs.map((file) => path.join(root, file)));
  return built > 0 && built >= Math.max(...inputs.map((file) => newest(path.join(root, file))));
}

// CLI and job-host tests spawn the built CLI (bin/ccglm.js -> dist/bundle/, job host and demo agent
// in dist/), so build once before them, unless the build is already newer than its sources.
export default function setup(): void {
  if (distIsFresh()) return;
  try {
    execFileSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
  } catch (error) {
    // tsc still emits JavaScript on type errors; typecheck is its own step of `npm run check`.
    const out = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    if (!out.includes('error TS')) throw error;
  }
  // tsc leaves its build info as it was when no output changed (a source only touched): mark the
  // build as done now, or every run after it would build again.
  const now = new Date();
  utimesSync(path.join(root, 'dist/.tsbuildinfo'), now, now);
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'pipe' });
}
