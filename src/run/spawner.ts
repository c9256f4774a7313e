/**
 * The run's spawner (`node dist/run/spawner.js`): a small process that runs commands for `ccglm run`
 * and sends back each one's exit code and output, one JSON line each way (see spawner-client.ts).
 *
 * Why a process of its own: Node forks to spawn, and a fork blocks the forking thread for a time
 * that grows with the process's memory. From the run (85 MB) a git command blocked its event loop
 * ~4 ms, a dozen per task; with 12 tasks ending together that queued the merges and starts that
 * dependents wait for. Forked from here (~45 MB) it costs a fraction, and the run's loop nothing.
 *
 * It says `{"ready":true}` once it listens (until then the run forks git itself, rather than wait
 * for a Node start-up), imports nothing of ccglm's, exits when its input ends (the run finished or died), and ignores
 * SIGINT/SIGTERM: a Ctrl-C reaches the whole process group, and the run's cleanup still needs git.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';

export interface SpawnRequest {
  id: number;
  file: string;
  args: string[];
  cwd: string;
  /** Written to the command's stdin. */
  input?: string;
  /** Run at this niceness (work nobody waits for). */
  niceness?: number;
}

export interface SpawnReply {
  id: number;
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

function run(request: SpawnRequest, reply: (message: SpawnReply) => void): void {
  const { id } = request;
  let child;
  try {
    child = execFile(
      request.file,
      request.args,
      { cwd: request.cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) reply({ id, ok: true, code: 0, stdout, stderr });
        else {
          const code = typeof error.code === 'number' ? error.code : 1;
          reply({ id, ok: false, code, stdout, stderr: stderr || error.message });
        }
      },
    );
  } catch (error) {
    // Arguments Node refuses (e.g. a NUL byte) fail this request, not the spawner.
    reply({ id, ok: false, code: 1, stdout: '', stderr: (error as Error).message });
    return;
  }
  if (request.niceness !== undefined && child.pid !== undefined) {
    try {
      os.setPriority(child.pid, request.niceness);
    } catch {
      // already gone, or not allowed: it runs at normal priority
    }
  }
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(request.input);
}

function serve(): void {
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.stdout.on('error', () => process.exit(0)); // the run is gone
  const reply = (message: SpawnReply) => process.stdout.write(`${JSON.stringify(message)}\n`);
  createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
    let request: SpawnRequest;
    try {
      request = JSON.parse(line) as SpawnRequest;
    } catch {
      return; // not ours: nothing to answer
    }
    run(request, reply);
  });
  // Input ended: the commands under way finish and answer, then the process exits on its own.
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

if (process.argv[2] === '--serve') serve();
