/**
 * `<details>` blocks: GitHub shows what is inside collapsed, so a task there looks archived, but
 * markdown reads it (the HTML block ends at the first blank line) and so does ccglm: it runs.
 */
import type { RootContent } from 'mdast';
import { offsetOf } from './markdown.js';

/** The [start, end) offsets of the top-level `<details>` … `</details>` spans of the plan. */
export function detailsSpans(blocks: RootContent[]): [number, number][] {
  const spans: [number, number][] = [];
  let depth = 0;
  let start = 0;
  for (const block of blocks) {
    if (block.type !== 'html') continue;
    for (const tag of block.value.matchAll(/<(\/?)details\b/gi)) {
      if (tag[1] === '') {
        if (depth === 0) start = offsetOf(block, 'start');
        depth += 1;
      } else if (depth > 0) {
        depth -= 1;
        if (depth === 0) spans.push([start, offsetOf(block, 'end')]);
      }
    }
  }
  // One never closed runs to the end of the plan (as GitHub shows it).
  if (depth > 0) spans.push([start, Infinity]);
  return spans;
}
