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

/**
 * The git repository a file is in: the nearest folder upward with a `.git` (folder, or file in a
 * worktree). Absolute locations inside it are read as repository-relative paths.
 */
export function findRepoRoot(file: string): string | undefined {
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The compile options that tie a plan file to its repository. */
export function repoRootsOf(file: string): { repoRoots: string[] } {
  const root = findRepoRoot(file);
  return { repoRoots: root === undefined ? [] : [root] };
}

/** ccglm's version, from its package.json: the one version `--version` and `headless --version` print. */
export function packageVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}
