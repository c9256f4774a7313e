import { CcglmError, ExitCode } from '../../errors.js';
import { optionWords, valueAt } from '../option-words.js';

/**
 * Values checked on the command line itself, before a handler runs, as the command tables check
 * theirs: yargs turns a word given to a number option into NaN (the word lost) and an empty value
 * into the option's default.
 */
export function checkValues(argv: Record<string, unknown>, raw: string[]): void {
  const words = optionWords(raw);
  checkEmpty(argv, words);
  checkSwitches(argv, words);
  checkNumbers(argv, words);
}

/** A switch given a value other than true or false (`--json=maybe`) was read as false: refused. */
function checkSwitches(argv: Record<string, unknown>, words: readonly string[]): void {
  for (const word of words) {
    const [, key, inline] = /^--([\w-]+)=(.*)$/.exec(word) ?? [];
    if (key === undefined || typeof argv[key] !== 'boolean' || /^(true|false)$/.test(inline ?? ''))
      continue;
    throw new CcglmError(`--${key} is a switch: give it alone, not =${inline}`, ExitCode.usage);
  }
}

/**
 * A value option given empty (`--log-dir ''`, `--log-dir=`, `--max-retries=`, or no value) would
 * silently mean its default (the shared log folder, 0 retries): refused. Not `--repo ''` (an empty
 * label is the runner's default) nor a bare `set-override --no-auto-restart` (it prints the setting).
 */
const OPTIONAL_VALUES = new Set(['repo', 'no-auto-restart']);

function checkEmpty(argv: Record<string, unknown>, words: readonly string[]): void {
  words.forEach((word, i) => {
    const key = /^--([\w-]+)/.exec(word)?.[1];
    if (key === undefined || OPTIONAL_VALUES.has(key)) return;
    const kind = typeof argv[key];
    if (kind !== 'string' && kind !== 'number') return;
    if ((valueAt(words, i) ?? '').trim() === '')
      throw new CcglmError(`--${key} "": expected a value, not an empty one`, ExitCode.usage);
  });
}

/**
 * A word, a negative number or Infinity given to a number option (none of the runner's takes one),
 * said as typed: `--interval "abc": expected a number ≥ 0`. A usage error (exit 2) before the
 * command looks for its job (not found: exit 1).
 */
function checkNumbers(argv: Record<string, unknown>, words: readonly string[]): void {
  for (const [key, value] of Object.entries(argv)) {
    if (typeof value !== 'number' || /[A-Z]/.test(key)) continue;
    if (Number.isFinite(value) && value >= 0) continue;
    // The last one given: an option given twice keeps its last value.
    const at = words.findLastIndex((word) => word === `--${key}` || word.startsWith(`--${key}=`));
    const given = at < 0 ? undefined : valueAt(words, at);
    throw new CcglmError(
      `--${key}${given !== undefined ? ` "${given}"` : ''}: expected a number ≥ 0`,
      ExitCode.usage,
    );
  }
}
