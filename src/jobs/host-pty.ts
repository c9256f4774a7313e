/**
 * The host's PTY side. node-pty reports the exit once the PTY's read side is closed, but on Linux
 * that read side can hit EIO (slave hung up) before the last output has been read, and node-pty also
 * destroys it 200 ms after the child exits: on a busy machine a flood's last lines were lost. So the
 * host holds its own slave fd open (no EIO while it does), notices the agent's death by SIGCHLD,
 * waits until the output has been quiet for a moment, and only then lets the PTY close.
 */
import fs from 'node:fs';
import type { PtyRun } from '../agent/headless.js';
import { isProcessAlive } from './proc.js';

const QUIET_MS = 25;

interface PtySocket {
  destroy: (...args: unknown[]) => unknown;
  once: (event: string, listener: () => void) => unknown;
  readableEnded: boolean;
}

/** Starts the agent in a PTY; returns its pid. Throws when node-pty cannot fork. */
export async function runInPty(run: PtyRun): Promise<number> {
  const pty = await import('@lydell/node-pty');
  const term = pty.spawn(run.file, run.args, {
    name: 'xterm-256color',
    cols: 200,
    rows: 50,
    cwd: run.cwd,
    env: run.env,
  });
  let lastData = Date.now();
  term.onData((data) => {
    lastData = Date.now();
    run.onData(data);
  });
  term.onExit(({ exitCode, signal }) => run.onExit(exitCode, signal || undefined));
  deferSocketDestroy(term);
  holdSlaveUntilDrained(term, () => lastData);
  return term.pid;
}

function holdSlaveUntilDrained(term: { pid: number }, lastData: () => number): void {
  const name = (term as { _pty?: string })._pty;
  let slave: number | undefined;
  try {
    if (name !== undefined) slave = fs.openSync(name, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  } catch {
    return;
  }
  if (slave === undefined) return;
  const release = () => {
    if (slave === undefined) return;
    const idle = Date.now() - lastData();
    if (idle < QUIET_MS) {
      setTimeout(release, QUIET_MS - idle);
      return;
    }
    fs.closeSync(slave);
    slave = undefined;
    process.off('SIGCHLD', onChild);
    clearInterval(backstop);
  };
  const onChild = () => {
    if (slave !== undefined && !isProcessAlive(term.pid)) release();
  };
  process.on('SIGCHLD', onChild);
  // In case a SIGCHLD is coalesced away: a slow check that costs nothing while the agent lives.
  const backstop = setInterval(onChild, 1000);
  backstop.unref();
}

/** node-pty's 200 ms destroy guard (for macOS) must not cut the read side short. */
function deferSocketDestroy(term: object): void {
  const socket = (term as { _socket?: PtySocket })._socket;
  if (socket === undefined || typeof socket.destroy !== 'function') return;
  const destroy = socket.destroy.bind(socket);
  let deferred = false;
  socket.destroy = (...args: unknown[]) => {
    if (deferred || args.length > 0 || socket.readableEnded) return destroy(...args);
    deferred = true;
    const timer = setTimeout(() => destroy(), 5000);
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}
