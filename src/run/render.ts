/**
 * Live views of a run over its events: NDJSON (`--json`), plain lines (non-TTY, CI), and a TTY view
 * that redraws one line per task in place.
 */
import type { RunEvent } from './events.js';
import { Progress } from '../report/progress.js';

/** A TTY view redraws at most this often (events such as output lines come faster). */
export const REDRAW_MS = 250;

export interface Renderer {
  onEvent(event: RunEvent): void;
  /** Called every second or so on a TTY to refresh elapsed times. */
  tick?(now: number): void;
}

type Write = (text: string) => void;

export function createNdjsonRenderer(write: Write): Renderer {
  return { onEvent: (event) => write(`${JSON.stringify(event)}\n`) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One plain line per event (task.output lines are left to `ccglm job tail`). */
export function formatPlain(event: RunEvent, startedAt: number): string | undefined {
  const at = `[${seconds(event.t - startedAt).padStart(7)}]`;
  switch (event.type) {
    case 'run.start':
      return `${at} run ${event.plan}: ${plural(event.tasks.length, 'task')} in ${plural(event.waves.length, 'wave')} (strategy ${event.strategy}, concurrency ${Number.isFinite(event.concurrency) ? event.concurrency : 'unlimited'}${event.resume ? ', resumed' : ''})`;
    case 'task.start':
      if (event.mergeRetry === true)
        return `${at} ${event.id} retrying its merge (its agent completed earlier; branch ${event.branch})`;
      return `${at} ${event.id} ${event.adopted === true ? 'adopted' : 'started'} (wave ${event.wave}, job ${event.job}, branch ${event.branch})`;
    case 'task.restart':
      return `${at} ${event.id} restarted (${event.reason}; attempt ${event.attempt})`;
    case 'task.end': {
      const details = [
        event.durationMs !== undefined ? seconds(event.durationMs) : undefined,
        event.exitCode !== undefined ? `exit ${event.exitCode}` : undefined,
        event.commits !== undefined
          ? `${event.commits.length} commit${event.commits.length === 1 ? '' : 's'}`
          : undefined,
        event.reason,
      ].filter((part) => part !== undefined);
      return `${at} ${event.id} ${event.status}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
    }
    case 'run.throttle':
      return `${at} rate limited: concurrency ${event.concurrency}${event.until !== undefined ? `, no new task before ${new Date(event.until).toISOString()}` : ''} (${event.reason})`;
    case 'run.signal':
      return `${at} ${event.signal}: ${event.force === true ? 'again: killing every agent now' : event.detach ? `leaving running jobs running (${event.signal === 'SIGHUP' ? 'the terminal closed' : '--detach'}); this run ends now; ccglm run --resume adopts them` : 'stopping running jobs (press Ctrl-C again to kill them at once)'}`;
    case 'run.end':
      return `${at} done: ${event.completed} completed, ${event.failed} failed, ${event.blocked} blocked${event.notStarted > 0 ? `, ${event.notStarted} not started` : ''}${event.skipped > 0 ? `, ${event.skipped} skipped` : ''} in ${seconds(event.durationMs)}`;
    default:
      return undefined;
  }
}

/**
 * `history`: what each task took in earlier runs of the plan (for the ETA). After each task's end,
 * while tasks are left, one plain progress line.
 */
export function createPlainRenderer(
  write: Write,
  history: ReadonlyMap<string, number> = new Map(),
): Renderer {
  let startedAt = 0;
  const progress = new Progress(history);
  return {
    onEvent(event) {
      if (event.type === 'run.start') startedAt = event.t;
      progress.onEvent(event);
      const line = formatPlain(event, startedAt);
      if (line !== undefined) write(`${line}\n`);
      if (event.type === 'task.end') {
        const counts = progress.counts();
        if (counts.running + counts.waiting > 0)
          write(
            `[${seconds(event.t - startedAt).padStart(7)}] progress: ${progress.line(event.t)}\n`,
          );
      }
    },
  };
}

/** A TTY row's mark by its state (anything else: still running). */
const MARKS: Record<string, string> = { Completed: '✓', Failed: '✗', Blocked: '■' };

export interface Row {
  id: string;
  wave: number;
  state: string;
  since: number;
  until?: number;
  last: string;
}

/**
 * The rows that fit in `limit` lines: every task not yet Completed (latest first to go when even
 * those do not fit), then the most recently Completed; the rest is counted on one line.
 */
export function visibleRows(
  rows: Row[],
  limit: number,
): { shown: Row[]; hidden: number; hiddenCompleted: number } {
  if (rows.length <= limit) return { shown: rows, hidden: 0, hiddenCompleted: 0 };
  const room = Math.max(1, limit - 1);
  const open = rows.filter((row) => row.state !== 'Completed');
  const done = rows.filter((row) => row.state === 'Completed');
  const keep = new Set([
    ...open.slice(-room),
    ...done.slice(done.length - Math.max(0, room - open.length)),
  ]);
  const shown = rows.filter((row) => keep.has(row));
  const hiddenCompleted = done.filter((row) => !keep.has(row)).length;
  return { shown, hidden: rows.length - shown.length, hiddenCompleted };
}

/**
 * TTY: a block of one line per started task, redrawn in place (cursor up + clear line); on a
 * terminal too short for all of them, the Completed ones that do not fit are counted on one line.
 */
export function createTtyRenderer(
  write: Write,
  columns: () => number,
  now: () => number,
  height: () => number = () => Infinity,
  history: ReadonlyMap<string, number> = new Map(),
): Renderer {
  const rows = new Map<string, Row>();
  const progress = new Progress(history);
  let drawn = 0;
  let startedAt = 0;
  let lastDraw = -Infinity;
  let dirty = false;
  /** Draws now, unless it drew less than REDRAW_MS ago (then the next tick does). */
  const request = () => {
    if (now() - lastDraw >= REDRAW_MS) draw();
    else dirty = true;
  };
  const draw = () => {
    lastDraw = now();
    dirty = false;
    const width = Math.max(40, columns());
    let out = drawn > 0 ? `\u001b[${drawn}A` : '';
    const { shown, hidden, hiddenCompleted } = visibleRows(
      [...rows.values()],
      Math.max(3, height() - 3),
    );
    const lines = shown.map((row) => {
      const elapsed = seconds((row.until ?? now()) - row.since);
      const mark = MARKS[row.state] ?? '…';
      const line = `${mark} w${row.wave} ${row.id.padEnd(8)} ${row.state.padEnd(11)} ${elapsed.padStart(7)}  ${row.last}`;
      return line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
    });
    if (hidden > 0) lines.unshift(`  … ${hidden} more task(s) (${hiddenCompleted} completed)`);
    const overall = progress.line(now());
    lines.push(overall.length > width - 1 ? `${overall.slice(0, width - 2)}…` : overall);
    for (const line of lines) out += `\u001b[2K${line}\n`;
    // Fewer lines than last time (the terminal got shorter): clear the ones left below.
    const extra = drawn - lines.length;
    if (extra > 0) out += `${'\u001b[2K\n'.repeat(extra)}\u001b[${extra}A`;
    drawn = lines.length;
    write(out);
  };
  return {
    onEvent(event) {
      progress.onEvent(event);
      switch (event.type) {
        case 'run.start':
          startedAt = event.t;
          write(`${formatPlain(event, startedAt)}\n`);
          return;
        case 'task.start':
          rows.set(event.id, {
            id: event.id,
            wave: event.wave,
            state: 'Running',
            since: event.t,
            last: `job ${event.job}`,
          });
          break;
        case 'task.output': {
          const row = rows.get(event.id);
          if (row !== undefined) row.last = event.line.trim();
          break;
        }
        case 'task.restart': {
          const row = rows.get(event.id);
          if (row !== undefined) row.last = `restarted: ${event.reason}`;
          break;
        }
        case 'task.end': {
          const row = rows.get(event.id) ?? {
            id: event.id,
            wave: 0,
            state: '',
            since: event.t,
            last: '',
          };
          row.state = event.status;
          row.until = event.t;
          row.last =
            event.reason ??
            (event.commits !== undefined ? `${event.commits.length} commit(s)` : '');
          rows.set(event.id, row);
          break;
        }
        case 'run.end':
          draw();
          write(`${formatPlain(event, startedAt)}\n`);
          return;
        default: {
          const line = formatPlain(event, startedAt);
          if (line !== undefined) {
            draw();
            drawn = 0;
            write(`${line}\n`);
          }
          return;
        }
      }
      request();
    },
    /** Every REDRAW_MS or so: what was held back, and each second the elapsed times. */
    tick: () => {
      if (rows.size > 0 && (dirty || now() - lastDraw >= 1000)) draw();
    },
  };
}
