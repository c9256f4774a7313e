/**
 * The plan's markdown tree: unified + remark-parse (+ remark-frontmatter) decide what is a heading,
 * a list, a field and a value; what markdown hides (HTML comments and blocks, fenced and indented
 * code, front matter) is never read as plan structure.
 *
 * Why in chunks: micromark is quadratic in the number of lists in one document (every task is a
 * list: 2,000 tasks take ~50 s in one parse), so long plans are cut into chunks of a few KB and each
 * chunk is parsed on its own. A cut is made only before a line that starts with `#` at column 0
 * (an ATX heading outside every container), and kept only when the chunk before it does not end in
 * an HTML block or a fenced code block that could run on past the cut; front matter is never cut.
 * Such a line closes every container and interrupts a paragraph, so one whole-document parse reads
 * the same blocks (test/plan/markdown-split.test.ts checks this on the corpus and generated plans).
 */
import { unified, type Processor } from 'unified';
import remarkParse from 'remark-parse';
import remarkFrontmatter from 'remark-frontmatter';
import type { Nodes, Root, RootContent } from 'mdast';

// Front matter is read only where the document has a whole one (open and closed): after a failed
// attempt micromark-extension-frontmatter 2 leaves its fence state behind and misreads what follows
// (`---` alone on line 1 turns the next list into a paragraph), so without one plain remark reads it.
const withFrontMatter = unified()
  .use(remarkParse)
  .use(blocksOnly)
  .use(remarkFrontmatter, ['yaml', 'toml']);
const plain = unified().use(remarkParse).use(blocksOnly);

/**
 * The inline constructs. The block tree is read without them: block structure never depends on
 * inline markup, and skipping it makes the whole parse ~1.45× faster (measured on a 2,000-task
 * plan). Where ccglm needs inline markup (a field's bold label, an HTML comment inside a value),
 * `parseInline` reads that piece with all of CommonMark.
 */
const INLINE_CONSTRUCTS = [
  'attention',
  'autolink',
  'characterEscape',
  'characterReference',
  'codeText',
  'hardBreakEscape',
  'htmlText',
  'labelEnd',
  'labelStartImage',
  'labelStartLink',
];

function blocksOnly(this: Processor): void {
  const data = this.data();
  (data.micromarkExtensions ??= []).push({ disable: { null: INLINE_CONSTRUCTS } });
}

const full = unified().use(remarkParse);

/** A piece of the plan (`text[start, end)`) read with inline markup, offsets absolute in `text`. */
export function parseInline(text: string, start: number, end: number): RootContent[] {
  return parseRange(full, text, start, end);
}

/** Roughly how many characters one parse takes; a chunk grows past it only to reach a safe cut. */
export const CHUNK_SIZE = 2048;

export interface MarkdownOptions {
  /** Characters per chunk; `Infinity` parses the whole document at once. */
  chunkSize?: number;
}

/** The top-level blocks of the whole document, every position offset absolute in `text`. */
export function parseBlocks(source: string, options: MarkdownOptions = {}): RootContent[] {
  // A byte order mark is not markdown, and before `#` it would make the first heading a paragraph:
  // read as a space (one code unit for one: every offset stays the same), so a plan read with its
  // BOM (the run's write-back, which keeps it) has the tasks it has without.
  const text = source.startsWith('\uFEFF') ? ` ${source.slice(1)}` : source;
  const chunkSize = options.chunkSize ?? CHUNK_SIZE;
  const frontMatter = frontMatterEnd(text);
  const parseChunk = (start: number, end: number) =>
    parseRange(frontMatter > 0 ? withFrontMatter : plain, text, start, end);
  if (!(chunkSize < text.length)) return parseChunk(0, text.length);
  const cuts = cutCandidates(text, frontMatter);
  const blocks: RootContent[] = [];
  let start = 0;
  let next = 0; // index into cuts
  while (start < text.length) {
    let size = chunkSize;
    for (;;) {
      while (next < cuts.length && (cuts[next] as number) < start + size) next += 1;
      const end = cuts[next] ?? text.length;
      const chunk = parseChunk(start, end);
      if (end < text.length && mayRunOn(chunk, text, end)) {
        size *= 2; // doubling keeps an unclosed fence near the start linear overall
        continue;
      }
      blocks.push(...chunk);
      start = end;
      break;
    }
  }
  return blocks;
}

const CUT = /^#{1,6}(?:[ \t]|\r?$)/gm;

/** Offsets of lines that start with an ATX heading marker at column 0, after any front matter. */
function cutCandidates(text: string, from: number): number[] {
  const cuts: number[] = [];
  for (const match of text.matchAll(CUT)) {
    const at = match.index;
    if (at > from) cuts.push(at);
  }
  return cuts;
}

/** Where a possible front matter block (`---` or `+++` on the first line) ends; 0 without one. */
function frontMatterEnd(text: string): number {
  const open = /^(---|\+\+\+)[ \t]*\r?\n/.exec(text);
  if (open === null) return 0;
  const close = new RegExp(`^${open[1] === '---' ? '---' : '\\+\\+\\+'}[ \\t]*$`, 'm');
  const rest = text.slice(open[0].length);
  const found = close.exec(rest);
  return found === null ? 0 : open[0].length + found.index + found[0].length;
}

/**
 * True when the chunk ends inside HTML or fenced code (the last block, or the last node down its
 * last children): it might go on past the cut, and even where a heading ends it the whole-document
 * parse ends it elsewhere (a fence in a list item left open ends before the blank lines, not at the
 * end of the text).
 */
function mayRunOn(blocks: RootContent[], text: string, end: number): boolean {
  let contentEnd = end;
  while (contentEnd > 0 && /\s/.test(text[contentEnd - 1] as string)) contentEnd -= 1;
  let last: Nodes | undefined = blocks[blocks.length - 1];
  while (last !== undefined) {
    if (offsetOf(last, 'end') < contentEnd) return false;
    if (last.type === 'html') return true;
    if (last.type === 'code' && /^[ \t>]*(`{3,}|~{3,})/.test(text.slice(offsetOf(last, 'start'))))
      return true;
    last = 'children' in last ? last.children[last.children.length - 1] : undefined;
  }
  return false;
}

function parseRange(
  processor: typeof full,
  text: string,
  start: number,
  end: number,
): RootContent[] {
  const slice = text.slice(start, end);
  const key = processor === full ? undefined : `${processor === plain ? 'p' : 'f'}${slice}`;
  let root = key === undefined ? undefined : parsed.get(key);
  if (root === undefined) {
    root = processor.parse(slice) as Root;
    if (key !== undefined) remember(key, root);
  } else {
    parsed.delete(key as string); // most recently used last
    parsed.set(key as string, root);
  }
  return root.children.map((child) => copyShifted(child, start));
}

/**
 * Chunks read before, by their text: a run writes its plan back after every task event, and each
 * write re-reads the whole plan, of which only the edited task's chunk changed (measured: 200
 * write-backs to a 100-task plan took 17 s of parsing without it). Kept trees are never handed
 * out, only copies with the offsets of where the chunk stands now.
 */
const parsed = new Map<string, Root>();
const PARSED_MAX = 2048;

function remember(key: string, root: Root): void {
  parsed.set(key, root);
  if (parsed.size > PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
}

/** A copy of a node whose offsets are the whole text's; lines and columns stay the chunk's (ccglm reads offsets only). */
function copyShifted<T extends Nodes>(node: T, by: number): T {
  const copy = { ...node };
  if (node.position !== undefined)
    copy.position = {
      start: { ...node.position.start, offset: (node.position.start.offset ?? 0) + by },
      end: { ...node.position.end, offset: (node.position.end.offset ?? 0) + by },
    };
  if ('children' in node)
    (copy as { children: Nodes[] }).children = (node.children as Nodes[]).map((child) =>
      copyShifted(child, by),
    );
  return copy;
}

export function offsetOf(node: Nodes, side: 'start' | 'end'): number {
  return node.position?.[side].offset ?? 0;
}

/** The source text a node was read from. */
export function sourceOf(text: string, node: Nodes): string {
  return text.slice(offsetOf(node, 'start'), offsetOf(node, 'end'));
}

/** Every node of a subtree with this type, in document order. */
export function nodesOfType(node: Nodes, type: Nodes['type']): Nodes[] {
  const found: Nodes[] = [];
  const visit = (current: Nodes) => {
    if (current.type === type) found.push(current);
    if ('children' in current) for (const child of current.children) visit(child);
  };
  visit(node);
  return found;
}
