import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endMarkReader } from '../../src/jobs/host-pty.js';
import { propertyRuns } from '../support/property.js';

const MARK = '\u001b]ccglm-exit-0a1b2c;';

/** Feeds `chunks` to a reader; what it passed on and the status it reported. */
function read(chunks: string[]): { output: string; status: number | undefined } {
  let output = '';
  let status: number | undefined;
  const reader = endMarkReader(
    MARK,
    (data) => (output += data),
    (code) => (status = code),
  );
  for (const chunk of chunks) reader(chunk);
  return { output, status };
}

/** Cuts `text` at the given points. */
function cut(text: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  return [0, ...at, text.length]
    .slice(1)
    .map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end));
}

describe('the end mark of an agent in a PTY', () => {
  it('passes everything before the mark on, however the stream is cut, and then the status', () => {
    fc.assert(
      fc.property(
        // Output that may hold pieces of the mark (an ESC, `]ccglm`) but not the whole mark.
        fc.array(
          fc.constantFrom('a', '\r\n', '\u001b', ']', 'ccglm-exit-', MARK.slice(0, 7), 'é'),
          { maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom('', 'after the end\r\n'),
        (pieces, code, points, after) => {
          const output = pieces.join('');
          fc.pre(!output.includes(MARK));
          const { output: passed, status } = read(cut(`${output}${MARK}${code};${after}`, points));
          expect(passed).toBe(output);
          expect(status).toBe(code);
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });

  it('holds back only what may begin the mark, and reports nothing before the status is whole', () => {
    const seen = read(['line 1\r\n\u001b]ccg']);
    expect(seen).toEqual({ output: 'line 1\r\n', status: undefined });
    expect(read(['done\u001b', '[0m\r\n'])).toEqual({
      output: 'done\u001b[0m\r\n',
      status: undefined,
    });
    expect(read([`x${MARK}1`, '2', '7;'])).toEqual({ output: 'x', status: 127 });
  });
});
