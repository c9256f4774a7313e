import type { Position, Span } from './types.js';

/**
 * Offsets -> line/column for one text, from a table of line starts built once (binary search per
 * lookup), so positions anywhere in a 4 MB plan cost O(log n) instead of a rescan.
 */
export class SourceMap {
  readonly text: string;
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    const starts = [0];
    let index = text.indexOf('\n');
    while (index !== -1) {
      starts.push(index + 1);
      index = text.indexOf('\n', index + 1);
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based offset of the start of 1-based line `line`. */
  lineStart(line: number): number {
    return this.lineStarts[Math.min(Math.max(line, 1), this.lineStarts.length) - 1] ?? 0;
  }

  /** The 1-based line's text without its line ending. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    const next = line < this.lineStarts.length ? this.lineStart(line + 1) : this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$/, '');
  }

  position(offset: number): Position {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1, offset };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }
}

/** The line ending a text mostly uses. */
export function detectEol(text: string): '\n' | '\r\n' {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1 - crlf;
  return crlf > lf ? '\r\n' : '\n';
}
