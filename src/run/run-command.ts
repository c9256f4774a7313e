/**
 * One command run to its end: exit code and output, never a throw (a start Node refuses, e.g. an
 * argument with a NUL byte, fails the command). Shared by git() when it forks git itself and by the
 * spawner process (spawner.ts), which imports nothing else of ccglm's.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';

export interface CommandRequest {
  file: string;
  args: string[];
  cwd: string;
  /** Written to the command's stdin. */
  input?: string;
  /** Run at this niceness (work nobody waits for). */
  niceness?: number;
  /** Its environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface CommandResult {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

export function runCommand(request: CommandRequest, done: (result: CommandResult) => void): void {
  let child;
  try {
    child = execFile(
      request.file,
      request.args,
      {
        cwd: request.cwd,
        maxBuffer: 64 * 1024 * 1024,
        ...(request.env !== undefined ? { env: request.env } : {}),
      },
      (error, stdout, stderr) => {
        if (error === null) done({ ok: true, code: 0, stdout, stderr });
        else {
          const code = typeof error.code === 'number' ? error.code : 1;
          done({ ok: false, code, stdout, stderr: stderr || error.message });
        }
      },
    );
  } catch (error) {
    done({ ok: false, code: 1, stdout: '', stderr: (error as Error).message });
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
