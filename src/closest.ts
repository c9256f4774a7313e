/** "Did you mean": the known name nearest to a mistyped one (flags, config keys). */
import { distance } from 'fastest-levenshtein';

/** The known name closest to `name`, when close enough to be a likely typo. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const flat = (s: string) => s.replace(/[-_]/g, '').toLowerCase();
  // Two letters swapped (`stauts`) cost Levenshtein 2, as much as another word's two edits
  // (`start`): of names at the same distance, one with the very letters typed wins.
  const letters = (s: string) => [...flat(s)].sort().join('');
  let best: { name: string; d: number } | undefined;
  for (const candidate of known) {
    const d = flat(candidate) === flat(name) ? 0 : distance(name, candidate);
    const anagram = best !== undefined && d === best.d && letters(candidate) === letters(name);
    if (best === undefined || d < best.d || anagram) best = { name: candidate, d };
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 3))
    ? best.name
    : undefined;
}
