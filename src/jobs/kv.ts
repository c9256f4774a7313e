/** `key=value` text files: split each line on the first `=`; unknown keys are kept, in order. */
export type KeyValues = Record<string, string>;

export type ParseKeyValuesResult =
  { ok: true; values: KeyValues } | { ok: false; line: number; text: string };

/** Blank lines and `#` comments are skipped; any other line without `=` makes the file corrupt. */
export function parseKeyValues(text: string): ParseKeyValuesResult {
  const values: KeyValues = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] ?? '').replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    // eslint-disable-next-line no-control-regex
    if (equals <= 0 || /[\u0000-\u0008]/.test(line))
      return { ok: false, line: index + 1, text: line };
    values[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return { ok: true, values };
}

/** One `key=value` line each; newlines inside values become spaces so the file stays parseable. */
export function formatKeyValues(values: KeyValues): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${value.replace(/[\r\n]+/g, ' ')}\n`)
    .join('');
}
