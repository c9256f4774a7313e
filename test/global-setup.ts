import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// CLI and job-host tests spawn the built CLI (bin/ccglm.js -> dist/bundle/, job host and demo agent
// in dist/), so build once before them.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
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
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'pipe' });
}
