/**
 * The dry-run preview of a compiled plan: waves, critical path, overlaps. Text, JSON, Mermaid, DOT.
 * Pure; `ccglm waves` and `ccglm run --dry-run` print it.
 */
import type { Task } from '../plan/types.js';
import type { CompiledPlan } from './compile.js';

export type WavesFormat = 'text' | 'json' | 'mermaid' | 'dot';

export interface WavePreview {
  title?: string;
  waves: {
    wave: number;
    tasks: {
      id: string;
      name: string;
      status: string;
      repo?: string;
      /** The machine it runs on, when not this one (a target of ccglm.config.json). */
      target?: string;
      files: number;
      done: boolean;
      /** Inside a `<details>` block (CCG107): shown collapsed, but it runs. */
      inDetails?: true;
    }[];
  }[];
  criticalPath: string[];
  overlaps: string[];
  done: number;
  total: number;
}

export function previewWaves(compiled: CompiledPlan): WavePreview {
  const byId = new Map<string, Task>();
  for (const task of compiled.plan.tasks) if (!byId.has(task.id)) byId.set(task.id, task);
  // Tasks in a <details> block (CCG107): shown collapsed, but they run.
  const collapsed = new Set(
    compiled.diagnostics.filter((d) => d.code === 'CCG107').map((d) => d.span.start.offset),
  );
  const waves = compiled.graph.waves.map((ids, i) => ({
    wave: i + 1,
    tasks: ids.map((id) => {
      const task = byId.get(id) as Task;
      return {
        id,
        name: task.name,
        status: task.status,
        ...(task.repo !== undefined ? { repo: task.repo } : {}),
        ...(task.target !== undefined && task.target !== 'local' ? { target: task.target } : {}),
        files: task.location?.length ?? 0,
        done: task.status === 'Completed',
        ...(collapsed.has(task.headingSpan.start.offset) ? { inDetails: true as const } : {}),
      };
    }),
  }));
  const preview: WavePreview = {
    waves,
    criticalPath: compiled.graph.criticalPath,
    overlaps: compiled.diagnostics.filter((d) => d.code === 'CCG401').map((d) => d.message),
    done: compiled.plan.tasks.filter((t) => t.status === 'Completed').length,
    total: byId.size,
  };
  if (compiled.plan.title !== undefined) preview.title = compiled.plan.title;
  return preview;
}

export function renderWaves(compiled: CompiledPlan, format: WavesFormat): string {
  const preview = previewWaves(compiled);
  switch (format) {
    case 'json':
      return `${JSON.stringify(preview, null, 2)}\n`;
    case 'mermaid':
      return renderMermaid(compiled, preview);
    case 'dot':
      return renderDot(compiled, preview);
    default:
      return renderText(preview);
  }
}

function renderText(preview: WavePreview): string {
  const out: string[] = [];
  if (preview.title !== undefined) out.push(`Plan: ${preview.title}`);
  out.push(
    `${preview.total} task${preview.total === 1 ? '' : 's'} in ${preview.waves.length} wave${preview.waves.length === 1 ? '' : 's'}, ${preview.done} already completed`,
    '',
  );
  for (const wave of preview.waves) {
    const open = wave.tasks.filter((t) => !t.done).length;
    out.push(
      `Wave ${wave.wave} (${wave.tasks.length} task${wave.tasks.length === 1 ? '' : 's'}${open < wave.tasks.length ? `, ${wave.tasks.length - open} done` : ''})`,
    );
    const idWidth = Math.max(...wave.tasks.map((t) => t.id.length));
    for (const task of wave.tasks) {
      const mark = task.done ? '✓' : task.status === 'Not Started' ? '·' : '!';
      const details = [
        task.repo,
        task.target !== undefined ? `on ${task.target}` : undefined,
        `${task.files} file${task.files === 1 ? '' : 's'}`,
        task.done ? 'done' : task.status === 'Not Started' ? undefined : task.status,
        task.inDetails === true ? 'inside <details>: it runs' : undefined,
      ]
        .filter((part) => part !== undefined)
        .join(', ');
      out.push(`  ${mark} ${task.id.padEnd(idWidth)}  ${task.name}  (${details})`);
    }
    out.push('');
  }
  out.push(`Critical path (${preview.criticalPath.length}): ${preview.criticalPath.join(' → ')}`);
  if (preview.overlaps.length > 0) {
    out.push('', `Overlaps (${preview.overlaps.length}):`);
    for (const overlap of preview.overlaps) out.push(`  ! ${overlap}`);
  }
  return `${out.join('\n')}\n`;
}

const mermaidId = (id: string) => `t_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
const mermaidText = (text: string) => text.replace(/"/g, '#quot;').replace(/[[\]{}<>]/g, ' ');

function renderMermaid(compiled: CompiledPlan, preview: WavePreview): string {
  const out = ['flowchart TD'];
  for (const wave of preview.waves) {
    out.push(`  subgraph wave${wave.wave}["Wave ${wave.wave}"]`);
    for (const task of wave.tasks)
      out.push(
        `    ${mermaidId(task.id)}["${mermaidText(`${task.id}: ${task.name}`)}${task.done ? ' ✓' : ''}"]`,
      );
    out.push('  end');
  }
  for (const edge of compiled.graph.edges)
    out.push(`  ${mermaidId(edge.from)} --> ${mermaidId(edge.to)}`);
  const done = preview.waves.flatMap((w) => w.tasks).filter((t) => t.done);
  if (done.length > 0) {
    out.push('  classDef done fill:#d4f7d4,stroke:#2a7a2a');
    out.push(`  class ${done.map((t) => mermaidId(t.id)).join(',')} done`);
  }
  const critical = preview.criticalPath;
  if (critical.length > 1) {
    out.push('  classDef critical stroke:#c00,stroke-width:3px');
    out.push(`  class ${critical.map(mermaidId).join(',')} critical`);
  }
  return `${out.join('\n')}\n`;
}

const dotString = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function renderDot(compiled: CompiledPlan, preview: WavePreview): string {
  const out = ['digraph plan {', '  rankdir=TB;', '  node [shape=box, style=rounded];'];
  const critical = new Set(preview.criticalPath);
  for (const wave of preview.waves) {
    out.push(
      `  subgraph cluster_wave${wave.wave} {`,
      `    label=${dotString(`Wave ${wave.wave}`)};`,
    );
    for (const task of wave.tasks) {
      const attrs = [`label=${dotString(`${task.id}: ${task.name}`)}`];
      if (task.done) attrs.push('style="rounded,filled"', 'fillcolor="#d4f7d4"');
      if (critical.has(task.id)) attrs.push('color="#cc0000"', 'penwidth=2');
      out.push(`    ${dotString(task.id)} [${attrs.join(', ')}];`);
    }
    out.push('  }');
  }
  for (const edge of compiled.graph.edges)
    out.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)};`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
