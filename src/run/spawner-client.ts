/**
 * Runs commands through the spawner process (spawner.ts) instead of forking this one. While any is
 * pending the spawner keeps this process alive, otherwise it does not. Until the spawner says it is
 * ready, and once it died or was closed, `run()` returns undefined: the caller spawns the command
 * itself (what was pending when it died fails).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { keepAlive } from './pipe-process.js';
import type { CommandResult } from './run-command.js';
import type { SpawnReply, SpawnRequest } from './spawner.js';

export const spawnerScript = path.join(packageRoot, 'dist', 'run', 'spawner.js');

export class SpawnerClient {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, (result: CommandResult) => void>();
  private nextId = 1;
  /** Up and listening (its first line said so). */
  private ready = false;
  private readonly readyWaiters: ((ready: boolean) => void)[] = [];
  /** Died or closed: commands are spawned by the caller from then on. */
  private done = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly script = spawnerScript,
  ) {}

  /** Starts the spawner now (a Node start-up), so the first command does not wait for it. */
  start(): void {
    this.current();
  }

  /** Resolves true once the spawner is ready, false when it will not be (it died, or closed). */
  started(): Promise<boolean> {
    if (this.ready || this.done) return Promise.resolve(this.ready && !this.done);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Undefined while the spawner is not ready, and once it closed or died: spawn the command here. */
  run(
    file: string,
    args: string[],
    options: { cwd: string; input?: string; niceness?: number },
  ): Promise<CommandResult> | undefined {
    const child = this.current();
    if (child === undefined || !this.ready) return undefined;
    const id = this.nextId;
    this.nextId += 1;
    const request: SpawnRequest = { id, file, args, cwd: options.cwd };
    if (options.input !== undefined) request.input = options.input;
    if (options.niceness !== undefined) request.niceness = options.niceness;
    const result = new Promise<CommandResult>((resolve) => this.pending.set(id, resolve));
    if (this.pending.size === 1) keepAlive(child, true);
    child.stdin?.write(`${JSON.stringify(request)}\n`);
    return result;
  }

  /** No more commands: the spawner exits once those under way have answered. */
  close(): void {
    this.done = true;
    for (const resolve of this.readyWaiters.splice(0)) resolve(false);
    this.child?.stdin?.end();
  }

  private current(): ChildProcess | undefined {
    if (this.done) return undefined;
    if (this.child !== undefined) return this.child;
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [this.script, '--serve'], {
        stdio: ['pipe', 'pipe', 'ignore'],
        cwd: os.tmpdir(),
        env: this.env,
      });
    } catch {
      this.done = true;
      return undefined;
    }
    child.stdin?.on('error', () => undefined);
    if (child.stdout !== null)
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) =>
        this.receive(line),
      );
    child.on('error', () => this.fail());
    // 'close', not 'exit': its last answers may still be in the pipe when it exits.
    child.on('close', () => this.fail());
    keepAlive(child, false);
    this.child = child;
    return child;
  }

  private receive(line: string): void {
    let reply: SpawnReply | { ready: true };
    try {
      reply = JSON.parse(line) as SpawnReply | { ready: true };
    } catch {
      return;
    }
    if ('ready' in reply) {
      this.ready = true;
      for (const resolve of this.readyWaiters.splice(0)) resolve(true);
      return;
    }
    const resolve = this.pending.get(reply.id);
    if (resolve === undefined) return;
    this.pending.delete(reply.id);
    const { ok, code, stdout, stderr } = reply;
    resolve({ ok, code, stdout, stderr });
    if (this.pending.size === 0 && this.child !== undefined) keepAlive(this.child, false);
  }

  /** The spawner is gone: what it had not answered fails, and later commands are spawned here. */
  private fail(): void {
    this.done = true;
    for (const resolve of this.readyWaiters.splice(0)) resolve(false);
    const message = 'ccglm: the spawner process exited before the command finished';
    for (const resolve of this.pending.values())
      resolve({ ok: false, code: 1, stdout: '', stderr: message });
    this.pending.clear();
    this.child = undefined;
  }
}
