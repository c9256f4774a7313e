import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listJobIds, readJob, stopJob } from '../../src/jobs/index.js';
import { isProcessAlive, scanProcesses, sessionMembers } from '../../src/jobs/proc.js';

export const fixtureBin = fileURLToPath(new URL('../fixtures/bin/', import.meta.url));
export const fake = (name: string) => path.join(fixtureBin, name);

/** A temp log dir with a prompt file in it; `cleanup` stops every job left and removes the dir. */
export function makeJobDir(prefix = 'ccglm-jobs-') {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const promptFile = path.join(logDir, 'prompt.txt');
  fs.writeFileSync(promptFile, 'do the task\n');
  return {
    logDir,
    promptFile,
    async cleanup() {
      for (const id of listJobIds(logDir)) {
        await stopJob(logDir, id, { graceMs: 200 }).catch(() => undefined);
        // A host finishes its last meta write just after the outcome: let it exit first.
        await until(() => !readJob(logDir, id).hostAlive, 5000).catch(() => undefined);
      }
      fs.rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` is truthy (a deadline, not a timed assertion: the condition is what is tested). */
export async function until<T>(check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Live pids of a job's session (the agent leads its session). */
export function livePidsOf(leader: number): number[] {
  return sessionMembers(scanProcesses(), leader)
    .filter((p) => isProcessAlive(p.pid, p.startTime))
    .map((p) => p.pid);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
