import fs from 'node:fs';

type Listener = (filename: string) => void;

interface DirWatch {
  watcher: fs.FSWatcher | undefined;
  listeners: Set<Listener>;
}

// One fs.watch per log dir, shared by every waiter: a run with 100 running tasks holds one inotify
// watch, not 100.
const watches = new Map<string, DirWatch>();

/** Calls `listener(filename)` on every change in `dir` until the returned function is called. */
export function watchDir(dir: string, listener: Listener): () => void {
  let entry = watches.get(dir);
  if (entry === undefined) {
    const created: DirWatch = { watcher: undefined, listeners: new Set() };
    try {
      created.watcher = fs.watch(dir, { persistent: false }, (_event, filename) => {
        for (const l of [...created.listeners]) l(filename === null ? '' : String(filename));
      });
      // A watch error (dir removed) leaves the callers on their fallback poll.
      created.watcher.on('error', () => undefined);
    } catch {
      created.watcher = undefined;
    }
    entry = created;
    watches.set(dir, entry);
  }
  const current = entry;
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0) {
      current.watcher?.close();
      watches.delete(dir);
    }
  };
}

export interface WaitForOptions<T> {
  dir: string;
  /** Re-checked on every change of a file whose name starts with `prefix`, and on each poll. */
  prefix: string;
  /** Only these file names (each starting with `prefix`) wake a check; the poll still checks. */
  names?: string[];
  /**
   * Instead of watching `dir`: calls its listener when a check is worth making, until the returned
   * function is called (a shared job host's notices; see SharedHost.watch).
   */
  wake?: (listener: () => void) => () => void;
  check: () => T | undefined;
  /** Fallback poll for when inotify misses an event (network file systems). */
  pollMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Resolves with the first defined `check()`; `undefined` on timeout or abort. No busy polling. */
export function waitFor<T>(options: WaitForOptions<T>): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (value: T | undefined, error?: unknown) => {
      if (done) return;
      done = true;
      stop();
      clearInterval(poll);
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const attempt = () => {
      try {
        const value = options.check();
        if (value !== undefined) finish(value);
      } catch (error) {
        finish(undefined, error);
      }
    };
    const onAbort = () => finish(undefined);
    const wakes = (name: string) =>
      name === '' ||
      (name.startsWith(options.prefix) &&
        (options.names === undefined || options.names.includes(name)));
    const stop =
      options.wake !== undefined
        ? options.wake(attempt)
        : watchDir(options.dir, (name) => {
            if (wakes(name)) attempt();
          });
    const poll = setInterval(attempt, options.pollMs ?? 1000);
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => finish(undefined), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort);
    attempt();
  });
}
