import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder upward holding ccglm's package.json. Works from src/ under
 * vitest, from dist/ and from the bundle in dist/bundle/.
 */
function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ccglm')
          return dir;
      } catch {
        /* not ours */
      }
    }
    if (path.dirname(dir) === dir) return path.resolve(start, '..');
  }
}

export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The CLI entry point, for spawning ccglm itself (job hosts, headless agents). */
export const ccglmBin = path.join(packageRoot, 'bin', 'ccglm.js');
