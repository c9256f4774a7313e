import { tmpdir } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeAgentScript,
  fakeOpScript,
  isolatedPath,
  makeTempDir,
  runCcglm,
  writeExecutable,
} from './helpers.js';

const TOKEN = 'tok-7f3a-SECRET-9b1c';
let tmp: { dir: string; cleanup: () => void };
let bin: string;
let work: string;
let record: string;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: isolatedPath(bin),
    HOME: tmp.dir,
    // A stray ccglm.config.json in the temp folder or above is not this test's.
    CCGLM_CONFIG_CEILING: tmpdir(),
    FAKE_AGENT_RECORD: record,
    FAKE_OP_RECORD: path.join(tmp.dir, 'op-args'),
    ...extra,
  };
}

const readRecord = () =>
  JSON.parse(readFileSync(record, 'utf8')) as {
    argv: string[];
    cwd: string;
    stdin: string;
    env: Record<string, string>;
  };

beforeEach(() => {
  tmp = makeTempDir();
  bin = path.join(tmp.dir, 'bin');
  work = path.join(tmp.dir, 'work');
  record = path.join(tmp.dir, 'record.json');
  for (const dir of [bin, work]) mkdirSync(dir);
  writeExecutable(path.join(bin, 'claude'), fakeAgentScript);
});
afterEach(() => tmp.cleanup());

describe('ccglm headless launches claude', () => {
  it('passes the prompt on stdin, the token only in env, and runs in the current folder', async () => {
    const prompt = 'Fix the bug.\nLine two with $(touch x) and `ticks`';
    const result = await runCcglm(['headless', '--prompt-file', 'p.md'], {
      cwd: work,
      env: env({ CC_GLM_AUTH_TOKEN: TOKEN, CC_GLM_BASE_URL: 'http://127.0.0.1:9' }),
      stdin: '',
    }).then(async (r) => r);
    // p.md does not exist yet: a clear exit 1
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `[cc-glm-headless] ERROR: --prompt-file not found or unreadable: ${path.join(work, 'p.md')}\n`,
    );

    writeFileSync(path.join(work, 'p.md'), prompt);
    const ok = await runCcglm(['headless', '--prompt-file', 'p.md'], {
      cwd: work,
      env: env({ CC_GLM_AUTH_TOKEN: TOKEN, CC_GLM_BASE_URL: 'http://127.0.0.1:9' }),
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('fake agent ran\n');
    expect(ok.stderr).toMatch(
      /^\[cc-glm-headless\] LAUNCH_OK ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ model=glm-5 auth_source=env:CC_GLM_AUTH_TOKEN agent=claude pid=\d+\n$/,
    );
    const seen = readRecord();
    expect(seen.argv).toEqual([
      '--dangerously-skip-permissions',
      '--model',
      'glm-5',
      '-p',
      '--output-format',
      'text',
    ]);
    expect(seen.stdin).toBe(prompt);
    expect(seen.cwd).toBe(work);
    expect(seen.env).toMatchObject({
      ANTHROPIC_AUTH_TOKEN: TOKEN,
      ANTHROPIC_API_KEY: TOKEN,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      ANTHROPIC_DEFAULT_OPUS_MODEL: 'glm-5',
      ANTHROPIC_DEFAULT_SONNET_MODEL: 'glm-5',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'glm-5',
      API_TIMEOUT_MS: '3000000',
      CCGLM_PROMPT_FILE: path.join(work, 'p.md'),
    });
    if (process.getuid?.() === 0) expect(seen.env['IS_SANDBOX']).toBe('1');
    expect(ok.stdout + ok.stderr).not.toContain(TOKEN);
  });

  it('--model, CC_GLM_MODEL and CC_GLM_TIMEOUT_MS reach the agent; stdin prompt works', async () => {
    const result = await runCcglm(['headless', '--model', 'glm-4.6'], {
      cwd: work,
      env: env({ ZAI_API_KEY: TOKEN, CC_GLM_MODEL: 'ignored', CC_GLM_TIMEOUT_MS: '1234' }),
      stdin: 'from stdin',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(' model=glm-4.6 auth_source=env:ZAI_API_KEY ');
    const seen = readRecord();
    expect(seen.argv.slice(1, 3)).toEqual(['--model', 'glm-4.6']);
    expect(seen.stdin).toBe('from stdin');
    expect(seen.env['API_TIMEOUT_MS']).toBe('1234');
    // stdin prompts get a private temp file, removed after the run
    expect(seen.env['CCGLM_PROMPT_FILE']).toMatch(/ccglm-prompt-.*prompt\.md$/);
    expect(existsSync(seen.env['CCGLM_PROMPT_FILE'] as string)).toBe(false);
  });

  it("exits with the agent's code", async () => {
    const result = await runCcglm(['headless', '--prompt', 'x'], {
      cwd: work,
      env: env({ CC_GLM_AUTH_TOKEN: TOKEN, FAKE_AGENT_EXIT: '3' }),
    });
    expect(result.code).toBe(3);
  });

  it('forwards SIGTERM to the agent and exits with its code', async () => {
    let pid = 0;
    const running = runCcglm(['headless', '--prompt', 'x'], {
      cwd: work,
      env: env({ CC_GLM_AUTH_TOKEN: TOKEN, FAKE_AGENT_WAIT: '1' }),
      onSpawn: (p) => (pid = p),
    });
    for (let i = 0; i < 200 && !existsSync(record); i += 1)
      await new Promise((r) => setTimeout(r, 25));
    process.kill(pid, 'SIGTERM');
    const result = await running;
    expect(result.code).toBe(143);
    expect(readFileSync(`${record}.signal`, 'utf8')).toBe('SIGTERM');
  });

  it('no prompt -> exit 1; no claude binary -> exit 1 with the install hint', async () => {
    const none = await runCcglm(['headless'], {
      cwd: work,
      env: env({ CC_GLM_AUTH_TOKEN: TOKEN }),
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      '[cc-glm-headless] ERROR: missing prompt (use --prompt, --prompt-file, or stdin)\n',
    );
    const missing = await runCcglm(['headless', '--prompt', 'x'], {
      cwd: work,
      env: { ...env({ CC_GLM_AUTH_TOKEN: TOKEN }), PATH: isolatedPath(work) },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      '[cc-glm-headless] ERROR: claude agent binary not found: claude (not on PATH)\n' +
        '[cc-glm-headless] ERROR:   Install: npm install -g @anthropic-ai/claude-code (or another agent: --agent demo, or CCGLM_AGENT=demo in the environment)\n',
    );
  });

  it('usage errors exit 2', async () => {
    const result = await runCcglm(['headless', '--prompt', 'x', '--nope'], {
      cwd: work,
      env: env(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown option --nope (see ccglm headless --help)');
    const unknown = await runCcglm(['headless', '--prompt', 'x', '--agent', 'gpt'], {
      cwd: work,
      env: env(),
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "ccglm: Unknown agent 'gpt', expected one of: claude, codex, opencode, demo\n",
    );
  });

  it('--version', async () => {
    const result = await runCcglm(['headless', '--version'], { cwd: work, env: env() });
    expect(result).toMatchObject({
      code: 0,
      stdout: `ccglm headless version ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`,
    });
  });
});

describe('ccglm headless --provider anthropic', () => {
  it('runs claude as the user set it up: their key, no base URL, no z.ai model', async () => {
    const user = { ANTHROPIC_API_KEY: TOKEN, CC_GLM_MODEL: 'glm-5', CC_GLM_AUTH_TOKEN: 'zai-tok' };
    for (const how of [
      { args: ['--provider', 'anthropic'], env: {} },
      { args: [], env: { CCGLM_PROVIDER: 'anthropic' } },
    ]) {
      const result = await runCcglm(['headless', ...how.args, '--prompt', 'x'], {
        cwd: work,
        env: env({ ...user, ...how.env }),
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/ model=- auth_source=env:ANTHROPIC_API_KEY agent=claude /);
      const seen = readRecord();
      expect(seen.argv).toEqual([
        '--dangerously-skip-permissions',
        '-p',
        '--output-format',
        'text',
      ]);
      expect(Object.keys(seen.env).filter((key) => key.startsWith('ANTHROPIC_'))).toEqual([
        'ANTHROPIC_API_KEY',
      ]);
      expect(seen.env['ANTHROPIC_API_KEY']).toBe(TOKEN);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
    }
  });

  it('no Anthropic credential: exit 10 before the agent starts; --auth-check says which source', async () => {
    const none = await runCcglm(['headless', '--provider', 'anthropic', '--prompt', 'x'], {
      cwd: work,
      env: env(),
    });
    expect(none.code).toBe(10);
    expect(none.stderr).toContain('[cc-glm-headless] ERROR: no Anthropic credential: ');
    expect(existsSync(record)).toBe(false);
    const check = await runCcglm(['headless', '--provider', 'anthropic', '--auth-check'], {
      cwd: work,
      env: env({ CLAUDE_CODE_OAUTH_TOKEN: TOKEN }),
    });
    expect(check.code).toBe(0);
    expect(check.stdout).toBe(
      'AUTH_CHECK_OK source_category=env:CLAUDE_CODE_OAUTH_TOKEN provider=anthropic\n',
    );
  });
});

describe('ccglm headless auth with a fake op on PATH', () => {
  beforeEach(() => writeExecutable(path.join(bin, 'op'), fakeOpScript));

  it.each([
    [{ CC_GLM_AUTH_TOKEN: TOKEN }, 'env:CC_GLM_AUTH_TOKEN'],
    [{ ZAI_API_KEY: TOKEN }, 'env:ZAI_API_KEY'],
    [{ ZAI_API_KEY: 'op://dev/Item/field', FAKE_OP_TOKEN: TOKEN }, 'op-ref:ZAI_API_KEY'],
    [{ CC_GLM_OP_URI: 'op://v/i/f', FAKE_OP_TOKEN: TOKEN }, 'op-ref:CC_GLM_OP_URI'],
    [{ FAKE_OP_TOKEN: TOKEN }, 'op-ref:default-dev'],
    [{ FAKE_OP_TOKEN: TOKEN, CC_GLM_OP_VAULT: 'team' }, 'op-ref:default-team'],
  ])('--auth-check %o -> AUTH_CHECK_OK %s', async (extra, source) => {
    const result = await runCcglm(['headless', '--auth-check'], { cwd: work, env: env(extra) });
    expect(result).toMatchObject({
      code: 0,
      stdout: `AUTH_CHECK_OK source_category=${source} auth_mode=strict\n`,
      stderr: '',
    });
  });

  it('op receives `read REF` as separate arguments and its token reaches the agent', async () => {
    const ref = 'op://dev/Item With Space/field';
    const result = await runCcglm(['headless', '--prompt', 'x'], {
      cwd: work,
      env: env({ ZAI_API_KEY: ref, FAKE_OP_TOKEN: TOKEN }),
    });
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(tmp.dir, 'op-args'), 'utf8')).toBe(`read\n${ref}\n`);
    expect(readRecord().env['ANTHROPIC_AUTH_TOKEN']).toBe(TOKEN);
    expect(result.stderr).toContain('auth_source=op-ref:ZAI_API_KEY');
  });

  it('op failing -> exit 10 with remediation, before the agent starts', async () => {
    const result = await runCcglm(['headless', '--prompt', 'x'], {
      cwd: work,
      env: env({ CC_GLM_OP_URI: 'op://v/i/f', FAKE_OP_EXIT: '1' }),
    });
    expect(result.code).toBe(10);
    expect(result.stderr.split('\n')[0]).toBe(
      "[cc-glm-headless] ERROR: AUTH TOKEN RESOLUTION FAILED: 'op read op://v/i/f' failed (exit 1) (op-ref:CC_GLM_OP_URI).",
    );
    expect(result.stderr).toContain('Remediation:');
    expect(existsSync(record)).toBe(false);
    const check = await runCcglm(['headless', '--auth-check'], {
      cwd: work,
      env: env({ CC_GLM_OP_URI: 'op://v/i/f', FAKE_OP_EXIT: '1' }),
    });
    expect(check.code).toBe(10);
    expect(check.stdout).toBe(
      'AUTH_CHECK_FAILED source_category=op-ref:CC_GLM_OP_URI reason=op_read_failed exit_code=10\n',
    );
  });

  it('op missing -> exit 10 naming the install step', async () => {
    const result = await runCcglm(['headless', '--auth-check'], {
      cwd: work,
      env: { ...env(), PATH: isolatedPath(work) },
    });
    expect(result.code).toBe(10);
    expect(result.stdout).toBe(
      'AUTH_CHECK_FAILED source_category=op-ref:default-dev reason=op_cli_missing exit_code=10\n',
    );
    expect(result.stderr).toContain(
      'Install the 1Password CLI: https://developer.1password.com/docs/cli/get-started/',
    );
  });

  it.each([
    ['missing', undefined, 'token_file_missing'],
    ['empty', '  \n', 'token_file_empty'],
  ])('token file %s -> exit 11', async (_name, content, reason) => {
    const file = path.join(tmp.dir, 'token');
    if (content !== undefined) writeFileSync(file, content);
    const check = await runCcglm(['headless', '--auth-check'], {
      cwd: work,
      env: env({ CC_GLM_TOKEN_FILE: file }),
    });
    expect(check.code).toBe(11);
    expect(check.stdout).toBe(
      `AUTH_CHECK_FAILED source_category=file:CC_GLM_TOKEN_FILE reason=${reason} exit_code=11\n`,
    );
    const run = await runCcglm(['headless', '--prompt', 'x'], {
      cwd: work,
      env: env({ CC_GLM_TOKEN_FILE: file }),
    });
    expect(run.code).toBe(11);
  });

  it('token file with whitespace works', async () => {
    const file = path.join(tmp.dir, 'token');
    writeFileSync(file, `\n ${TOKEN} \n`);
    const result = await runCcglm(['headless', '--prompt', 'x'], {
      cwd: work,
      env: env({ CC_GLM_TOKEN_FILE: file }),
    });
    expect(result.code).toBe(0);
    expect(readRecord().env['ANTHROPIC_API_KEY']).toBe(TOKEN);
  });

  it.each([{ CC_GLM_STRICT_AUTH: '0' }, { CC_GLM_ALLOW_FALLBACK: '1' }])(
    'non-strict %o: failure launches without a token, with a warning',
    async (extra) => {
      const result = await runCcglm(['headless', '--prompt', 'x'], {
        cwd: work,
        env: env({ ...extra, CC_GLM_OP_URI: 'op://v/i/f', FAKE_OP_EXIT: '1' }),
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        '[cc-glm-headless] WARN: auth not resolved (op_read_failed); launching without a token',
      );
      expect(result.stderr).toContain('auth_source=none');
      expect(readRecord().env['ANTHROPIC_AUTH_TOKEN']).toBeUndefined();
    },
  );
});
