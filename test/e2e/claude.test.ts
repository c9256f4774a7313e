/**
 * The real Claude Code CLI, launched by `ccglm headless` under a PTY, against a loopback server that
 * speaks the Anthropic Messages API: it really writes the file the scripted `Write` tool call asks
 * for. Needs `node scripts/setup-e2e.mjs` (test:ci runs it); skipped with the reason otherwise.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectRateLimit } from '../../src/agent/rate-limit.js';
import { makeTempDir } from '../agent/helpers.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import {
  claudeEnv,
  findClaudeBinary,
  makeClaudeBin,
  processesWith,
  runCcglmInPty,
} from './claude-support.js';

const binary = findClaudeBinary();
const TOKEN = 'test-token-e2e-5b7d41';

describe.skipIf(binary === undefined)(
  `real Claude Code CLI via ccglm headless${binary === undefined ? ' (skipped: Claude Code not installed; run node scripts/setup-e2e.mjs)' : ''}`,
  () => {
    let tmp: { dir: string; cleanup: () => void };
    let worktree: string;
    let server: FakeAnthropic | undefined;
    let env: (baseUrl: string) => Record<string, string>;

    beforeEach(() => {
      tmp = makeTempDir('ccglm-e2e-');
      worktree = path.join(tmp.dir, 'worktree');
      const home = path.join(tmp.dir, 'home');
      mkdirSync(worktree);
      mkdirSync(home);
      const bin = makeClaudeBin(tmp.dir, binary as string);
      writeFileSync(path.join(tmp.dir, 'task.prompt'), 'Create hello.txt saying hello.\n');
      env = (baseUrl) => claudeEnv({ home, bin, baseUrl, token: TOKEN });
    });
    afterEach(async () => {
      await server?.close();
      server = undefined;
      tmp.cleanup();
    });

    it('edits a file in the worktree through a scripted Write tool call', async () => {
      const target = path.join(worktree, 'hello.txt');
      const argvSeen: string[][] = [];
      server = await startFakeAnthropic({
        turns: [
          {
            kind: 'tool_use',
            name: 'Write',
            input: { file_path: target, content: 'hello from the e2e test\n' },
          },
          { kind: 'text', text: 'Created hello.txt. Summary: one file written.' },
        ],
        // While Claude Code waits for its first answer, read every claude process's argv.
        beforeAnswer: () => {
          for (const proc of processesWith('--dangerously-skip-permissions'))
            argvSeen.push(proc.argv);
        },
      });
      const run = await runCcglmInPty(
        ['headless', '--prompt-file', path.join(tmp.dir, 'task.prompt')],
        { cwd: worktree, env: env(server.url) },
      );
      expect(run.output).toMatch(
        /\[cc-glm-headless\] LAUNCH_OK ts=\S+ model=glm-5 auth_source=env:CC_GLM_AUTH_TOKEN agent=claude pid=\d+/,
      );
      expect(run.output).toContain('Created hello.txt. Summary: one file written.');
      expect(run.exitCode).toBe(0);
      expect(readFileSync(target, 'utf8')).toBe('hello from the e2e test\n');

      const turns = server.requests.filter((r) => r.turn !== undefined);
      expect(turns.map((r) => r.turn)).toEqual(expect.arrayContaining([0, 1]));
      for (const request of turns) {
        expect(request.model).toBe('glm-5');
        expect(request.stream).toBe(true); // the SSE path, tool_use input_json_delta included
        const auth = `${request.headers['authorization'] ?? ''} ${request.headers['x-api-key'] ?? ''}`;
        expect(auth).toContain(TOKEN);
      }
      // The agent's argv (read from /proc while it ran) holds neither the token nor the prompt.
      expect(argvSeen.length).toBeGreaterThan(0);
      for (const argv of argvSeen) {
        expect(argv.join(' ')).not.toContain(TOKEN);
        expect(argv.join(' ')).not.toContain('Create hello.txt');
      }
      expect(run.output).not.toContain(TOKEN);
    });

    it('401: ends failed with a clear AUTH_REJECTED line', async () => {
      server = await startFakeAnthropic({
        turns: [
          {
            kind: 'error',
            status: 401,
            type: 'authentication_error',
            message: 'invalid x-api-key',
          },
        ],
      });
      const run = await runCcglmInPty(['headless', '--prompt', 'hi'], {
        cwd: worktree,
        env: env(server.url),
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toContain(
        `[cc-glm-headless] ERROR: AUTH_REJECTED the API at ${server.url} rejected the token (HTTP 401)`,
      );
      expect(run.output).not.toContain(TOKEN);
    });

    it('429 with retry-after: ends with the RATE_LIMITED marker the scheduler reads', async () => {
      server = await startFakeAnthropic({
        turns: [
          {
            kind: 'error',
            status: 429,
            type: 'rate_limit_error',
            message: 'Rate limited; retry after 30 seconds',
            headers: { 'retry-after': '30' },
          },
        ],
      });
      const run = await runCcglmInPty(['headless', '--prompt', 'hi'], {
        cwd: worktree,
        env: env(server.url),
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.output).toMatch(/\[ccglm\] RATE_LIMITED retry_after=30 reset_at=\S+Z base_url=/);
      const limit = detectRateLimit(run.output);
      expect(limit?.retryAfterSeconds).toBe(30);
      expect(limit?.resetAt).toBeInstanceOf(Date);
    });
  },
);
