/**
 * The main job with the real Claude Code CLI: `ccglm run --agent claude` on a one-task plan, against
 * the loopback Messages API server. The scripted model writes a file with the Write tool and commits
 * it with the Bash tool; ccglm merges the branch and fills the plan in.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { bin, makeSandbox, plan, planTask, type Sandbox } from '../run/helpers.js';
import { findClaudeBinary, sandboxClaudeEnv } from './claude-support.js';

const binary = findClaudeBinary();
const TOKEN = 'test-token-run-e2e-93f2';

describe.skipIf(binary === undefined)(
  `ccglm run with the real Claude Code CLI${binary === undefined ? ' (skipped: run node scripts/setup-e2e.mjs)' : ''}`,
  () => {
    let sandbox: Sandbox | undefined;
    let server: FakeAnthropic | undefined;
    afterEach(async () => {
      await server?.close();
      sandbox?.cleanup();
    });

    it.each([
      ['in a PTY (the job host starts the agent in it)', ['--pty']],
      ['on pipes (the job host does headless itself)', ['--no-pty']],
    ])(
      'completes a one-task plan %s: the agent edits and commits, ccglm merges and writes back',
      async (_mode, extra: string[]) => {
        sandbox = makeSandbox(plan([planTask('T1', [], ['hello.txt'])]));
        const worktree = path.join(sandbox.worktrees, 'test', 'T1', 'app');
        server = await startFakeAnthropic({
          turns: [
            {
              kind: 'tool_use',
              name: 'Write',
              input: {
                file_path: path.join(worktree, 'hello.txt'),
                content: 'hello from claude\n',
              },
            },
            {
              kind: 'tool_use',
              name: 'Bash',
              input: {
                command:
                  'git add hello.txt && git commit -q -m "T1: hello" -m "Feature-Key: test" -m "Agent: claude"',
                description: 'Commit the file',
              },
            },
            { kind: 'text', text: 'Summary: wrote hello.txt and committed it.' },
          ],
        });
        const env = sandboxClaudeEnv(sandbox.dir, binary as string, server.url, TOKEN);
        const child = spawn(
          process.execPath,
          [
            bin,
            'run',
            sandbox.plan,
            '--json',
            '--agent',
            'claude',
            '--repos',
            sandbox.dir,
            '--log-dir',
            sandbox.logDir,
            '--worktree-root',
            sandbox.worktrees,
            ...extra,
          ],
          { env, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
        const end = stdout
          .split('\n')
          .filter((l) => l.includes('"task.end"'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
        expect(end, stderr).toMatchObject({ id: 'T1', status: 'Completed', exitCode: 0 });
        expect(code).toBe(0);
        const task = parsePlan(readFileSync(sandbox.plan, 'utf8'), 'p').plan.tasks[0];
        expect(task?.status).toBe('Completed');
        expect(task?.filesEdited).toEqual(['hello.txt']);
        expect(task?.log).toContain('Summary: wrote hello.txt and committed it.');
        expect(task?.log).toContain('agent claude');
        const merged = spawn('git', ['show', 'feature-test:hello.txt'], { cwd: sandbox.repo });
        let content = '';
        merged.stdout.on('data', (d: Buffer) => (content += d.toString()));
        await new Promise((resolve) => merged.on('exit', resolve));
        expect(content).toBe('hello from claude\n');
        // The token reached the model server, never the plan or the run's output.
        expect(
          server.requests.some((r) =>
            `${r.headers['authorization'] ?? ''}${r.headers['x-api-key'] ?? ''}`.includes(TOKEN),
          ),
        ).toBe(true);
        expect(readFileSync(sandbox.plan, 'utf8')).not.toContain(TOKEN);
        expect(stdout + stderr).not.toContain(TOKEN);
        // Nor any job artifact (meta, log, contract, outcome, prompt).
        for (const name of readdirSync(sandbox.logDir))
          expect(readFileSync(path.join(sandbox.logDir, name), 'utf8'), name).not.toContain(TOKEN);
      },
      120_000,
    );
  },
);
