/**
 * A line scanner that finds the ATX headings of a plan outside fenced code and YAML front matter.
 *
 * Why: remark-parse (micromark) is quadratic in the number of lists in one document, and every task
 * is a list, so the compiler cuts the plan at its headings and parses each section on its own.
 * This scan is the only whole-text pass.
 */

export interface HeadingLine {
  depth: number;
  /** Heading text without the #s and closing #s. */
  text: string;
  /** 1-based line number. */
  line: number;
  /** Offset of the first character of the line. */
  start: number;
  /** Offset just past the line's text (before its line ending). */
  end: number;
  /** Offset where the next line starts (or the text length). */
  next: number;
}

export interface Sections {
  headings: HeadingLine[];
  /** Offset where the content starts after YAML front matter (0 when there is none). */
  bodyStart: number;
  /** Line ranges that are fenced code, as [startLine, endLine] (1-based, inclusive). */
  fences: [number, number][];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;

export function scanSections(text: string): Sections {
  const headings: HeadingLine[] = [];
  const fences: [number, number][] = [];
  let offset = 0;
  let line = 0;
  let fence: { marker: string; line: number } | undefined;
  let bodyStart = 0;
  let inFrontMatter = false;

  while (offset <= text.length) {
    const newline = text.indexOf('\n', offset);
    const next = newline === -1 ? text.length + 1 : newline + 1;
    let end = newline === -1 ? text.length : newline;
    if (end > offset && text.charCodeAt(end - 1) === 13) end -= 1;
    const content = text.slice(offset, end);
    line += 1;

    if (line === 1 && content === '---') {
      inFrontMatter = true;
    } else if (inFrontMatter) {
      if (content === '---' || content === '...') {
        inFrontMatter = false;
        bodyStart = Math.min(next, text.length);
      }
    } else if (fence !== undefined) {
      const close = FENCE_CLOSE.exec(content);
      if (
        close?.[1] !== undefined &&
        close[1][0] === fence.marker[0] &&
        close[1].length >= fence.marker.length
      ) {
        fences.push([fence.line, line]);
        fence = undefined;
      }
    } else {
      const open = FENCE.exec(content);
      if (open?.[1] !== undefined) {
        fence = { marker: open[1], line };
      } else if (content.length > 0 && content.trimStart().startsWith('#')) {
        const match = HEADING.exec(content);
        if (match?.[1] !== undefined) {
          const raw = (match[2] ?? '').replace(/[ \t]+#+$/, '').replace(/^#+$/, '');
          headings.push({
            depth: match[1].length,
            text: raw,
            line,
            start: offset,
            end,
            next: Math.min(next, text.length),
          });
        }
      }
    }
    if (newline === -1) break;
    offset = next;
  }
  if (fence !== undefined) fences.push([fence.line, line]);
  return { headings, bodyStart, fences };
}
