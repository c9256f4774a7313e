/** The words of a command line as options: their values as typed, and the last of a repeated one. */

/** The value of the option at `words[i]` (`--key=VALUE` or `--key VALUE`); none before an option. */
export function valueAt(words: readonly string[], i: number): string | undefined {
  const word = words[i] ?? '';
  const eq = word.indexOf('=');
  if (eq >= 0) return word.slice(eq + 1);
  const next = words[i + 1];
  // yargs never takes an option as the value of the one before it.
  return next !== undefined && /^-[^\d.]/.test(next) ? undefined : next;
}

/** The words before `--` (after it: the agent's argv of `job start`, never ccglm's options). */
export function optionWords(args: readonly string[]): readonly string[] {
  const end = args.indexOf('--');
  return end < 0 ? args : args.slice(0, end);
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * An option given twice keeps its last value, as in git and the shell runner. yargs collects the
 * values into a list (a command then got `a,b` for a path, or crashed on it), and adds a repeated
 * number whose last value is 1 (yargs-parser reads it as a count: `--lines 7 --lines 1` is 8).
 * `args` are the words yargs parsed into `argv`.
 */
export function lastValueWins(
  argv: Record<string, unknown>,
  args: readonly string[],
  /** Options whose values add up when given again (`--ignore A --ignore B`). */
  repeatable: ReadonlySet<string> = new Set(),
): void {
  const words = optionWords(args);
  const seen = new Map<string, { count: number; value: string | undefined }>();
  words.forEach((word, i) => {
    const name = /^--([^=]+)/.exec(word)?.[1];
    if (name === undefined) return;
    seen.set(name, { count: (seen.get(name)?.count ?? 0) + 1, value: valueAt(words, i) });
  });
  for (const [name, { count, value }] of seen) {
    if (count < 2 || repeatable.has(name)) continue;
    for (const key of new Set([name, camel(name)])) {
      const parsed = argv[key];
      if (Array.isArray(parsed)) argv[key] = parsed[parsed.length - 1];
      else if (typeof parsed === 'number') argv[key] = value === undefined ? NaN : Number(value);
    }
  }
}
