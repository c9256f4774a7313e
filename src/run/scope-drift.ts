import { locationMatcher } from '../graph/path-match.js';

/** Files outside every declared location (paths, folders, globs). */
export function scopeDrift(files: string[], locations: string[]): string[] {
  if (locations.length === 0) return [];
  const matchers = locations.map(locationMatcher);
  return files.filter((file) => !matchers.some((match) => match(file)));
}
