import { fileURLToPath } from 'node:url';

/** The package root (works from src/ under vitest and from dist/ when built). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** The CLI entry point, for spawning ccglm itself (job hosts, headless agents). */
export const ccglmBin = fileURLToPath(new URL('../bin/ccglm.js', import.meta.url));
