/**
 * A field's label is read from its item's first line: a plain `**label**:` by a rule, anything else
 * through remark with inline markup. Either way it must be what remark reads: strong emphasis at
 * the start of the item, with a colon inside it or right after it.
 */
import fc from 'fast-check';
import type { Paragraph } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { propertyRuns } from '../support/property.js';

const remark = unified().use(remarkParse);

/** The label remark reads at the start of `line`, or undefined. */
function remarkLabel(line: string): string | undefined {
  const paragraph = remark.parse(line).children[0];
  if (paragraph?.type !== 'paragraph') return undefined;
  const [strong, next] = (paragraph as Paragraph).children;
  if (strong?.type !== 'strong' || strong.position?.start.offset !== 0) return undefined;
  const label = toString(strong);
  if (/[:：]\s*$/.test(label)) return label.replace(/[:：]\s*$/, '').trim();
  return next?.type === 'text' && /^\s*[:：]/.test(next.value) ? label.trim() : undefined;
}

/** The label ccglm reads in a task whose first field item is `- LINE`. */
function ccglmLabel(line: string): string | undefined {
  // Without a label the item is no field list, so there is no task at all.
  return parsePlan(`### T1: A\n- ${line}\n`, 'p.md').plan.tasks[0]?.fields[0]?.label;
}

const piece = fc.constantFrom(
  '**',
  '__',
  '*',
  ':',
  '：',
  ' ',
  'Files',
  'depends_on',
  '(new)',
  'x',
  '`c`',
  '\\*',
  '.',
  'a_b',
);

describe('field labels', () => {
  it('property: a bold label ccglm reads is the one remark reads', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('**', '__'),
        fc.array(piece, { maxLength: 8 }),
        (open, pieces) => {
          const line = open + pieces.join('');
          expect(ccglmLabel(line)).toBe(remarkLabel(line));
        },
      ),
      { numRuns: propertyRuns(300) },
    );
  });

  it('reads the common forms', () => {
    expect(ccglmLabel('**location**: a.ts')).toBe('location');
    expect(ccglmLabel('**Files Edited:** a.ts')).toBe('Files Edited');
    expect(ccglmLabel('**Files (new)**: a.ts')).toBe('Files (new)');
    expect(ccglmLabel('**Files:**x')).toBeUndefined();
  });
});
