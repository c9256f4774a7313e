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
 * for a Node start-up), imports nothing of ccglm's but run-command.ts (what git() runs when it forks
 * git itself), exits when its input ends (the run finished or died), and ignores SIGINT/SIGTERM: a
 * Ctrl-C reaches the whole process group, and the run's cleanup still needs git.
 */
import { createInterface } from 'node:readline';
import { runCommand, type CommandRequest, type CommandResult } from './run-command.js';

export interface SpawnRequest extends Omit<CommandRequest, 'env'> {
  id: number;
}

export interface SpawnReply extends CommandResult {
  id: number;
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
    // The spawner's own environment is the run's git environment (spawner-client.ts).
    const { id, ...command } = request;
    runCommand(command, (result) => reply({ id, ...result }));
  });
  // Input ended: the commands under way finish and answer, then the process exits on its own.
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}

if (process.argv[2] === '--serve') serve();
