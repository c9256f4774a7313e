import fs from 'node:fs';
import { jobFiles } from './ids.js';
import { readOutcome } from './store.js';
import { watchDir } from './watch.js';

/** The last `count` lines of a file, reading only its end (logs can be large). */
export function tailLines(file: string, count: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
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

/** Prints what is appended to the log until the job's outcome is written (or Ctrl-C). */
export function followLog(
  logDir: string,
  id: string,
  print: (chunk: string) => void,
): Promise<void> {
  const files = jobFiles(logDir, id);
  let offset = fs.existsSync(files.log) ? fs.statSync(files.log).size : 0;
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
    const onSigint = () => finish();
    process.once('SIGINT', onSigint);
    function finish() {
      unwatch();
      clearInterval(poll);
      process.off('SIGINT', onSigint);
      resolve();
    }
    drain();
  });
}
