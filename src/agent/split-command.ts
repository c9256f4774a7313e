import { CcglmError, ExitCode } from '../errors.js';

/**
 * Splits a command line into argv the way a POSIX shell would for words and quotes — and nothing
 * else: no variables, no globbing, no `$(…)`, no pipes. `'…'` is literal, `"…"` allows `\"` and
 * `\\`, a backslash outside quotes escapes the next character. The result goes to spawn as an array.
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        word += line[i + 1];
        i += 1;
      } else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[i + 1];
      i += 1;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== null)
    throw new CcglmError(
      `Unexpected end of --agent-cmd inside a ${quote === '"' ? 'double' : 'single'}-quoted string, expected a closing ${quote}`,
      ExitCode.usage,
    );
  if (inWord) words.push(word);
  if (words.length === 0)
    throw new CcglmError(
      '--agent-cmd is empty, expected a command such as "my-agent --flag"',
      ExitCode.usage,
    );
  return words;
}
