/**
 * A long-lived child process spoken to in lines: each request is written to its stdin and answered
 * by a known number of lines on its stdout, in order (`git update-ref --stdin`,
 * `git hash-object --stdin-paths`). While a request is pending the child keeps this process alive,
 * otherwise it does not. When the child exits (git dies on a failed request), what was pending fails
 * with its stderr, and the next request starts a new one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type LineAnswer = { ok: true; lines: string[] } | { ok: false; error: string };

interface Pending {
  answers: number;
  lines: string[];
  resolve: (answer: LineAnswer) => void;
}

/** One child and what it owes. */
interface Session {
  child: ChildProcess;
  pending: Pending[];
  stderr: string;
}

export class LineProcess {
  private session: Session | undefined;

  constructor(
    private readonly file: string,
    private readonly args: string[],
    private readonly options: { cwd: string; env: NodeJS.ProcessEnv },
  ) {}

  /** Writes `text` and resolves with the next `answers` lines. */
  ask(text: string, answers: number): Promise<LineAnswer> {
    let session: Session;
    try {
      session = this.current();
    } catch (error) {
      return Promise.resolve({ ok: false, error: (error as Error).message });
    }
    const answer = new Promise<LineAnswer>((resolve) =>
      session.pending.push({ answers, lines: [], resolve }),
    );
    if (session.pending.length === 1) keepAlive(session.child, true);
    session.child.stdin?.write(text);
    return answer;
  }

  /** No more requests: the child ends once it has answered what it was asked. */
  close(): void {
    this.session?.child.stdin?.end();
    this.session = undefined;
  }

  private current(): Session {
    if (this.session !== undefined) return this.session;
    const child = spawn(this.file, this.args, {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const session: Session = { child, pending: [], stderr: '' };
    child.stdin?.on('error', () => undefined);
    child.stderr?.setEncoding('utf8');
    if (child.stdout !== null)
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) =>
        receive(session, line),
      );
    child.stderr?.on('data', (chunk: string) => (session.stderr += chunk));
    child.on('error', (error) => (session.stderr += error.message));
    // 'close', not 'exit': its last answers and its complaint may still be in the pipes.
    child.on('close', () => {
      if (this.session === session) this.session = undefined;
      const error =
        session.stderr.trim().split('\n').pop() || `${this.file} ${this.args[0] ?? ''} exited`;
      for (const pending of session.pending.splice(0)) pending.resolve({ ok: false, error });
    });
    keepAlive(child, false);
    this.session = session;
    return session;
  }
}

function receive(session: Session, line: string): void {
  const first = session.pending[0];
  if (first === undefined) return;
  first.lines.push(line);
  if (first.lines.length < first.answers) return;
  session.pending.shift();
  first.resolve({ ok: true, lines: first.lines });
  if (session.pending.length === 0) keepAlive(session.child, false);
}

type Refable = { ref?: () => void; unref?: () => void } | null | undefined;

/** Whether a child (its process and pipes) keeps this process alive. */
export function keepAlive(child: ChildProcess, on: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as Refable[]) {
    if (on) handle?.ref?.();
    else handle?.unref?.();
  }
}
