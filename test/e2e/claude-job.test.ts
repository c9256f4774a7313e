/**
 * The real Claude Code CLI as a job of the job runner (`ccglm job start --pty`, default command
 * `ccglm headless`): a model server that never answers makes the job go stalled, and the token is in
 * no artifact of the job and in no process's argv.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { bin, makeSandbox, type Sandbox } from '../run/helpers.js';
import { findClaudeBinary, sandboxClaudeEnv, processesWith } from './claude-support.js';

const binary = findClaudeBinary();
const TOKEN = 'test-token-job-e2e-c41a';

describe.skipIf(binary === undefined)(
  `real Claude Code CLI under the job runner${binary === undefined ? ' (skipped: run node scripts/setup-e2e.mjs)' : ''}`,
  () => {
    let sandbox: Sandbox | undefined;
    let server: FakeAnthropic | undefined;
    afterEach(async () => {
      await server?.close();
      sandbox?.cleanup();
    });

    it('a hanging model server: the job goes stalled; the token is in no artifact and no argv', async () => {
      sandbox = makeSandbox('# unused\n');
      server = await startFakeAnthropic({ turns: [{ kind: 'hang' }] });
      const env = sandboxClaudeEnv(sandbox.dir, binary as string, server.url, TOKEN);
      const prompt = path.join(sandbox.dir, 'task.prompt');
      writeFileSync(prompt, 'Say hello.\n');
      const job = (...args: string[]) =>
        spawnSync(process.execPath, [bin, 'job', ...args, '--log-dir', sandbox!.logDir], {
          encoding: 'utf8',
          env,
        });
      const started = job(
        'start',
        '--beads',
        'hang-1',
        '--prompt-file',
        prompt,
        '--worktree',
        sandbox.repo,
        '--pty',
      );
      expect(started.status, started.stderr).toBe(0);
      // Wait until Claude Code has asked the server (and is now waiting for an answer that never comes).
      for (
        let i = 0;
        i < 200 && server.requests.filter((r) => r.turn !== undefined).length === 0;
        i += 1
      )
        await new Promise((r) => setTimeout(r, 100));
      expect(server.requests.some((r) => r.turn !== undefined)).toBe(true);
      const argv = processesWith('hang-1').concat(processesWith('--dangerously-skip-permissions'));
      for (const proc of argv) expect(proc.argv.join(' ')).not.toContain(TOKEN);

      let health = '';
      for (let i = 0; i < 40 && health !== 'stalled'; i += 1) {
        await new Promise((r) => setTimeout(r, 500));
        const check = job('check', '--beads', 'hang-1', '--stall-seconds', '2', '--json');
        health = (JSON.parse(check.stdout) as { health: string }).health;
        if (health === 'stalled') expect(check.status).toBe(2);
      }
      expect(health).toBe('stalled');
      expect(job('stop', '--beads', 'hang-1').status).toBe(0);
      const artifacts = readdirSync(sandbox.logDir);
      expect(artifacts).toEqual(
        expect.arrayContaining([
          'hang-1.log',
          'hang-1.meta',
          'hang-1.outcome',
          'hang-1.contract',
          'hang-1.pid',
        ]),
      );
      for (const file of artifacts)
        expect(readFileSync(path.join(sandbox.logDir, file), 'utf8'), file).not.toContain(TOKEN);
    }, 90_000);
  },
);
