/**
 * The chunked parse (markdown.ts) must read exactly what one whole-document remark parse reads:
 * the same tasks, fields, values and diagnostics, on the corpus plans and on generated plans full
 * of what makes a cut unsafe (comments and HTML blocks across headings, unclosed fences, nested
 * lists, blockquotes, setext headings, front matter, CRLF).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import type { Nodes } from 'mdast';
import { parseBlocks } from '../../src/plan/markdown.js';
import { parsePlan } from '../../src/plan/parse.js';
import { propertyRuns } from '../support/property.js';

const corpus = fileURLToPath(new URL('../../../shared/corpus/real-plans/', import.meta.url));
const present = existsSync(corpus);

/** Whole document (one parse), default chunks, and a cut before every candidate line. */
const WAYS = [Infinity, undefined, 1] as const;

function readings(text: string): string[] {
  return WAYS.map((chunkSize) =>
    JSON.stringify(parsePlan(text, 'p.md', chunkSize === undefined ? {} : { chunkSize })),
  );
}

describe.skipIf(!present)('chunked parse = whole-document parse on the corpus', () => {
  const files = present ? readdirSync(corpus).filter((f) => f.endsWith('-plan.md')) : [];
  for (const file of files) {
    it(file, () => {
      const [whole, ...chunked] = readings(readFileSync(corpus + file, 'utf8'));
      for (const reading of chunked) expect(reading).toBe(whole);
    });
  }
});
if (!present)
  console.warn('markdown-split: ../shared/corpus/real-plans is absent; corpus cases skipped');

const task = (id: string) =>
  [
    `### ${id}: Task ${id} with a_name`,
    `- **depends_on**: []`,
    `- **location**:`,
    `  - src/${id}.ts`,
    `- **description**: Do ${id}.`,
    `- **status**: Not Started`,
  ].join('\n');

/** Pieces that open or close what a cut must not cross, and ordinary plan text. */
const piece = fc.oneof(
  fc.constantFrom('T1', 'T2', 'T3', 'T_A.1', 'S1B').map(task),
  fc.constantFrom(
    '<!--',
    '-->',
    '<!-- one line -->',
    '```',
    '```markdown',
    '~~~',
    '````',
    '<div>',
    '</div>',
    '<details>\n',
    '<script>',
    '</script>',
    '<?php',
    '?>',
    '> ### T9: quoted\n> - **depends_on**: []',
    '- item\n  - nested\n    ```\n    code in a list',
    '    ## T8: indented code\n    - **depends_on**: []',
    'Setext title\n---',
    'Another\n===',
    '## Notes',
    '# Title',
    '#### T7: deep\n- depends_on: [T1]\n- description: unbolded',
    '### T6 - Dash\n- **depends_on**: [T1]\n- **description**: d',
    '- **depends_on**: [T2]',
    '| Wave | Tasks |\n| --- | --- |\n| 1 | T1, T2 |',
    'Plain text paragraph.',
    '',
  ),
);

const plan = fc
  .record({
    frontMatter: fc.constantFrom('', '---\ntitle: x\n## T0: in front matter\n---\n', '---\n'),
    pieces: fc.array(piece, { maxLength: 14 }),
    crlf: fc.boolean(),
  })
  .map(({ frontMatter, pieces, crlf }) => {
    const text = frontMatter + pieces.join('\n\n') + '\n';
    return crlf ? text.replace(/\n/g, '\r\n') : text;
  });

describe('chunked parse = whole-document parse on generated plans', () => {
  it('property: same tasks, fields and diagnostics however the text is cut', () => {
    fc.assert(
      fc.property(plan, (text) => {
        const [whole, ...chunked] = readings(text);
        for (const reading of chunked) expect(reading).toBe(whole);
      }),
      { numRuns: propertyRuns(100) },
    );
  });
});

/** Block nodes (type and extent), in document order: what the block tree is made of. */
function blocksOf(nodes: Nodes[]): string[] {
  const out: string[] = [];
  const visit = (node: Nodes) => {
    if (INLINE.has(node.type)) return;
    out.push(`${node.type} ${node.position?.start.offset}-${node.position?.end.offset}`);
    if ('children' in node) for (const child of node.children) visit(child);
  };
  for (const node of nodes) visit(node);
  return out;
}
const INLINE = new Set(['text', 'strong', 'emphasis', 'inlineCode', 'link', 'image', 'break']);
const inlineHtml = (node: Nodes) => node.type === 'html';

describe('the block tree without inline markup = the block tree of remark with it', () => {
  it('property: same blocks at the same places (inline HTML aside)', () => {
    const full = unified().use(remarkParse);
    fc.assert(
      fc.property(plan, (text) => {
        // Front matter is remark-frontmatter's (not in plain remark): compare plans without it.
        const body = text.replace(/^---[^]*?\n---\r?\n/, '');
        const withInline = (full.parse(body).children as Nodes[]).map((node) =>
          stripInlineHtml(node),
        );
        expect(blocksOf(parseBlocks(body, { chunkSize: Infinity }))).toEqual(blocksOf(withInline));
      }),
      { numRuns: propertyRuns(100) },
    );
  });
});

/** Inline HTML (inside a paragraph or heading) is inline markup: drop it for the comparison. */
function stripInlineHtml(node: Nodes): Nodes {
  if (!('children' in node)) return node;
  const inParagraph = node.type === 'paragraph' || node.type === 'heading';
  const children = (node.children as Nodes[])
    .filter((child) => !(inParagraph && inlineHtml(child)))
    .map(stripInlineHtml);
  return { ...node, children } as Nodes;
}
