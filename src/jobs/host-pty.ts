/**
 * The host's PTY side. On Linux the PTY's read side hits EIO once the last process holding the
 * slave has gone, and node-pty gives up on it 200 ms after its child exits: on a busy machine the
 * agent's last lines could be lost. So the agent does not run alone in the PTY: a small `sh` runs it
 * there, and once it has exited writes an end mark with its exit status into the PTY, then holds the
 * slave open until the host closes it. Output is read in order, so when the host reads the mark it
 * has read everything the agent wrote: the agent's end is reported then, and the holder is stopped.
 * (node-pty's public API only: no reaching into its socket.)
 */
import { randomBytes } from 'node:crypto';
import type { PtyRun } from '../agent/headless.js';

/**
 * $1 the end mark, $2 the agent's stdin (a file; empty: /dev/null, as on pipes: nobody types into
 * the terminal), then the command. The agent is the holder's only child (a subshell that execs it,
 * its stderr the terminal; started in the background so that the holder can pass signals on: a
 * TERM, INT or HUP to the holder, the job's pid, goes to the agent, and the holder lives on to write
 * the end mark. As sh does for background commands, the agent starts with INT and QUIT ignored
 * unless it sets its own handlers; nothing sends those to a job). The holder's own stderr is
 * /dev/null: no report of its own lands in the agent's output. `cat` holds the slave open until the
 * host hangs up.
 */
const HOLDER = [
  'm=$1; f=$2; shift 2',
  'exec 4>&2 2>/dev/null',
  '( exec "$@" < "${f:-/dev/null}" 2>&4 4>&- ) &',
  'a=$!',
  'exec 4>&-',
  'for s in HUP INT TERM; do trap "g=1; kill -$s $a" $s; done',
  'while :; do g=; wait $a; c=$?; [ -z "$g" ] && break; done',
  'printf "%s%d;" "$m" "$c"',
  'exec cat > /dev/null',
].join('\n');

/** Starts the agent in a PTY; returns the pid of its session's leader. Throws when node-pty cannot fork. */
export async function runInPty(run: PtyRun): Promise<number> {
  const pty = await import('@lydell/node-pty');
  const mark = `\u001b]ccglm-exit-${randomBytes(6).toString('hex')};`;
  const term = pty.spawn(
    '/bin/sh',
    ['-c', HOLDER, 'sh', mark, run.stdin ?? '', run.file, ...run.args],
    {
      name: 'xterm-256color',
      cols: 200,
      rows: 50,
      cwd: run.cwd,
      env: run.env,
    },
  );
  let ended = false;
  const end = (exitCode: number, signal: number | undefined) => {
    if (ended) return;
    ended = true;
    run.onExit(exitCode, signal);
  };
  const reader = endMarkReader(mark, run.onData, (status) => {
    // The shell's status: 128 + n for an agent that a signal ended.
    end(status, status > 128 && status < 128 + 65 ? status - 128 : undefined);
    term.kill('SIGKILL');
  });
  term.onData(reader);
  // Without the mark (the holder itself was killed): what node-pty saw is all there is.
  term.onExit(({ exitCode, signal }) => end(exitCode, signal || undefined));
  return term.pid;
}

/**
 * Passes the output on until the end mark, then reports the status written after it. A chunk may
 * end in the middle of the mark: that tail is held back until the next chunk says what it was.
 */
export function endMarkReader(
  mark: string,
  onData: (data: string) => void,
  onEnd: (status: number) => void,
): (chunk: string) => void {
  let held = '';
  let done = false;
  return (chunk) => {
    if (done) return;
    const text = held + chunk;
    held = '';
    const at = text.indexOf(mark);
    if (at >= 0) {
      const status = /^(\d+);/.exec(text.slice(at + mark.length));
      if (status === null) {
        if (at > 0) onData(text.slice(0, at));
        held = text.slice(at);
        return;
      }
      if (at > 0) onData(text.slice(0, at));
      done = true;
      onEnd(Number(status[1]));
      return;
    }
    const keep = partialMarkLength(text, mark);
    if (text.length > keep) onData(text.slice(0, text.length - keep));
    held = text.slice(text.length - keep);
  };
}

/** The length of the longest end of `text` that begins `mark`. */
function partialMarkLength(text: string, mark: string): number {
  for (let length = Math.min(mark.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(mark.slice(0, length))) return length;
  }
  return 0;
}
