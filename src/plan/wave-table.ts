/**
 * The wave table people write under "Parallel Execution Groups" / "Waves":
 * `| Wave | Tasks | Can Start When |`. Read so the graph checks can compare it with the real waves.
 * Without the GFM extension a table is a paragraph of the markdown tree: only top-level
 * paragraphs are read (never a table in a comment or a code block).
 */
import type { RootContent } from 'mdast';
import type { PlanDoc } from './types.js';
import type { SourceMap } from './source.js';
import { offsetOf } from './markdown.js';
import { isTaskId, TASK_ID_SOURCE } from './values.js';

type DeclaredWaves = NonNullable<PlanDoc['declaredWaves']>;

const ID_TOKEN = new RegExp(TASK_ID_SOURCE, 'g');

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

export function readDeclaredWaves(source: SourceMap, blocks: RootContent[]): DeclaredWaves {
  for (const block of blocks) {
    if (block.type !== 'paragraph') continue;
    const first = source.position(offsetOf(block, 'start')).line;
    const last = source.position(offsetOf(block, 'end')).line;
    const waves = readTable(source, first, last);
    if (waves !== undefined) return waves;
  }
  return [];
}

function readTable(source: SourceMap, first: number, last: number): DeclaredWaves | undefined {
  for (let line = first; line < last; line += 1) {
    const text = source.lineText(line);
    if (!text.trimStart().startsWith('|')) continue;
    const header = cells(text);
    const waveCol = header.findIndex((cell) =>
      /^(wave|group|phase|stage|onda)\b/i.test(cell.replace(/[*_]/g, '')),
    );
    const taskCol = header.findIndex((cell) =>
      /^(tasks?|tarefas?)\b/i.test(cell.replace(/[*_]/g, '')),
    );
    if (waveCol === -1 || taskCol === -1) continue;
    if (!/^\s*\|?\s*:?-{2,}/.test(source.lineText(line + 1))) continue;
    const waves: DeclaredWaves = [];
    for (let row = line + 2; row <= last; row += 1) {
      const rowText = source.lineText(row);
      if (!rowText.trimStart().startsWith('|')) break;
      const rowCells = cells(rowText);
      const label = (rowCells[waveCol] ?? '').replace(/[*_`]/g, '').trim();
      const start = source.lineStart(row);
      const span = source.span(start, start + rowText.length);
      // `A1, then A2` / `A1 → A2`: steps one after the other inside one group.
      const steps = (rowCells[taskCol] ?? '')
        .split(/\bthen\b|→|->|⇒/i)
        .map((step) => [...step.matchAll(ID_TOKEN)].map((m) => m[0]).filter((id) => isTaskId(id)))
        .filter((ids) => ids.length > 0);
      for (const taskIds of steps.length > 0 ? steps : [[]]) waves.push({ label, taskIds, span });
    }
    return waves;
  }
  return undefined;
}
