/** What a run reads of its jobs' output: the log's tail, its last line, the agent's closing words. */
import path from 'node:path';
import stripAnsi from 'strip-ansi';
import { tailLines } from '../jobs/index.js';

/** The last `lines` lines of a job's log, without terminal escapes ('' when there is no log). */
export function logTail(logDir: string, jobId: string, lines: number): string {
  try {
    return stripAnsi(tailLines(path.join(logDir, `${jobId}.log`), lines));
  } catch {
    return '';
  }
}

/** The last non-empty line of a job's log. */
export function lastLine(logDir: string, jobId: string): string | undefined {
  const lines = logTail(logDir, jobId, 3)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines[lines.length - 1];
}

/** The agent's closing words: from its `Summary:` line on, else the last few lines of output. */
export function summaryOf(log: string): string[] {
  const lines = log
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('[cc-glm-headless] LAUNCH_OK'));
  const summaryAt = lines.findLastIndex((line) => /^(\*\*)?summary\b/i.test(line));
  return (summaryAt !== -1 ? lines.slice(summaryAt, summaryAt + 8) : lines.slice(-3)).map((line) =>
    line.slice(0, 300),
  );
}
