import fs from 'node:fs';
import { jobFiles } from './ids.js';
import { readOutcome } from './store.js';
import { watchDir } from './watch.js';

/** The last `count` lines of a file (of its first `upTo` bytes), reading only its end. */
export function tailLines(file: string, count: number, upTo?: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = Math.min(fs.fstatSync(fd).size, upTo ?? Infinity);
    let start = size;
    let text = '';
    const chunk = 64 * 1024;
    while (start > 0) {
      const length = Math.min(chunk, start);
      start -= length;
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, start);
      text = buffer.toString('utf8') + text;
      if (text.split('\n').length > count + 1) break;
    }
    const lines = text.replace(/\n$/, '').split('\n');
    return count === 0 ? '' : `${lines.slice(-count).join('\n')}\n`;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Calls `print` with what is appended to the log until the job's outcome is written or `signal`
 * aborts; follows a restart's new log. (RUN can stream a task's output with it.)
 */
export function followLog(
  logDir: string,
  id: string,
  print: (chunk: string) => void,
  signal?: AbortSignal,
  /** Where to start (default: the current end of the log). */
  from?: number,
): Promise<void> {
  const files = jobFiles(logDir, id);
  let offset = from ?? (fs.existsSync(files.log) ? fs.statSync(files.log).size : 0);
  return new Promise((resolve) => {
    const drain = () => {
      try {
        const size = fs.statSync(files.log).size;
        if (size < offset) offset = 0; // rotated by a restart: follow the new attempt
        if (size > offset) {
          const fd = fs.openSync(files.log, 'r');
          const buffer = Buffer.alloc(size - offset);
          fs.readSync(fd, buffer, 0, buffer.length, offset);
          fs.closeSync(fd);
          offset = size;
          print(buffer.toString('utf8'));
        }
      } catch {
        // the log is being rotated
      }
      if (readOutcome(logDir, id) !== undefined) finish();
    };
    const unwatch = watchDir(logDir, (name) => {
      if (name === '' || name.startsWith(id)) drain();
    });
    const poll = setInterval(drain, 500);
    signal?.addEventListener('abort', finish);
    function finish() {
      unwatch();
      clearInterval(poll);
      signal?.removeEventListener('abort', finish);
      resolve();
    }
    drain();
  });
}
