import { findConfig } from '../agent/config.js';
import { loadConfig } from '../config-file.js';
import { readTargets, type Target } from './config.js';

/** The declared targets of the config file in force: `configPath`, or the nearest above `dir`. */
export async function loadTargets(
  dir: string,
  configPath?: string,
): Promise<{ file?: string; targets: Map<string, Target> }> {
  const file = configPath ?? findConfig(dir);
  if (file === undefined) return { targets: new Map() };
  return { file, targets: readTargets((await loadConfig(file)).targets, file) };
}
