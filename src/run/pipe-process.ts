/**
 * A long-lived child process asked questions on its stdin and answering them in order on its stdout
 * (`git update-ref --stdin`, `git hash-object --stdin-paths`, `git mktree --batch`,
 * `git cat-file --batch`). Each question brings a reader that takes its answer from the front of
 * what the child wrote, once all of it is there. While a question is pending the child keeps this
 * process alive, otherwise it does not. When the child exits (git dies on a failed request), what
 * was pending fails with the last line of its stderr, and the next question starts another child.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type Answer<T> = { ok: true; value: T } | { ok: false; error: string };

/** Takes one answer from the front of `output`: the value and how many bytes it used, or not yet. */
export type AnswerReader<T> = (output: Buffer) => { value: T; used: number } | undefined;

interface Pending {
  take: AnswerReader<unknown>;
  resolve: (answer: Answer<unknown>) => void;
}

/** One child and what it owes. */
interface Session {
  child: ChildProcess;
  pending: Pending[];
  output: Buffer;
  stderr: string;
}

export class PipeProcess {
  private session: Session | undefined;

  constructor(
    private readonly file: string,
    private readonly args: string[],
    private readonly options: { cwd: string; env: NodeJS.ProcessEnv },
  ) {}

  /** Writes `question` and resolves with the answer `take` reads. */
  ask<T>(question: string, take: AnswerReader<T>): Promise<Answer<T>> {
    let session: Session;
    try {
      session = this.current();
    } catch (error) {
      return Promise.resolve({ ok: false, error: (error as Error).message });
    }
    const answer = new Promise<Answer<T>>((resolve) =>
      session.pending.push({ take, resolve: resolve as Pending['resolve'] }),
    );
    if (session.pending.length === 1) keepAlive(session.child, true);
    session.child.stdin?.write(question);
    return answer;
  }

  /** Writes `question` and resolves with the next `count` lines. */
  askLines(question: string, count: number): Promise<Answer<string[]>> {
    return this.ask(question, takeLines(count));
  }

  /** No more questions: the child ends once it has answered what it was asked. */
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
    const session: Session = { child, pending: [], output: Buffer.alloc(0), stderr: '' };
    child.stdin?.on('error', () => undefined);
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: Buffer) => {
      session.output = session.output.length === 0 ? chunk : Buffer.concat([session.output, chunk]);
      answer(session);
    });
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

function answer(session: Session): void {
  for (let first = session.pending[0]; first !== undefined; first = session.pending[0]) {
    const taken = first.take(session.output);
    if (taken === undefined) return;
    session.output = session.output.subarray(taken.used);
    session.pending.shift();
    first.resolve({ ok: true, value: taken.value });
  }
  keepAlive(session.child, false);
}

/** Reads `count` lines (UTF-8, without their newlines). */
export function takeLines(count: number): AnswerReader<string[]> {
  return (output) => {
    const lines: string[] = [];
    let at = 0;
    while (lines.length < count) {
      const newline = output.indexOf(10, at);
      if (newline < 0) return undefined;
      lines.push(output.subarray(at, newline).toString('utf8'));
      at = newline + 1;
    }
    return { value: lines, used: at };
  };
}

type Refable = { ref?: () => void; unref?: () => void } | null | undefined;

/** Whether a child (its process and pipes) keeps this process alive. */
export function keepAlive(child: ChildProcess, on: boolean): void {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as Refable[]) {
    if (on) handle?.ref?.();
    else handle?.unref?.();
  }
}
