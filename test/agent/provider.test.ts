import { describe, expect, it } from 'vitest';
import type { OpResult } from '../../src/agent/auth.js';
import { describeRuntimeContract } from '../../src/agent/contract.js';
import { buildAgentJob } from '../../src/agent/job.js';
import { planLaunch } from '../../src/agent/launch-plan.js';
import { resolveProfile } from '../../src/agent/profiles.js';
import {
  chooseProvider,
  describeChoice,
  findAnthropicCredential,
  type ProviderDeps,
} from '../../src/agent/provider.js';

const HOME = '/home/u';
const LOGIN = `${HOME}/.claude/.credentials.json`;
const loginFile = JSON.stringify({ claudeAiOauth: { accessToken: 'oat-secret', expiresAt: 1 } });

function deps(
  env: Record<string, string>,
  files: Record<string, string> = {},
  op: OpResult = { ok: false, reason: 'missing' },
): ProviderDeps {
  return {
    env,
    home: HOME,
    readFile: (file) => {
      const text = files[file];
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return text;
    },
    runOp: () => Promise.resolve(op),
  };
}

describe("findAnthropicCredential: Claude Code's own credential, by source", () => {
  it.each([
    [{ ANTHROPIC_API_KEY: 'k', CLAUDE_CODE_OAUTH_TOKEN: 't' }, {}, 'env:ANTHROPIC_API_KEY'],
    [{ CLAUDE_CODE_OAUTH_TOKEN: 't' }, { [LOGIN]: loginFile }, 'env:CLAUDE_CODE_OAUTH_TOKEN'],
    [{}, { [LOGIN]: loginFile }, `claude-login:${LOGIN}`],
    [
      { CLAUDE_CONFIG_DIR: '/cfg' },
      { '/cfg/.credentials.json': loginFile },
      'claude-login:/cfg/.credentials.json',
    ],
  ])('%o with files %o -> %s', (env, files, source) => {
    expect(findAnthropicCredential(deps(env, files))).toEqual({ ok: true, source });
  });

  it('an empty, unreadable or token-less credentials file is no login', () => {
    for (const text of ['', '{', '{}', '{"claudeAiOauth":{"accessToken":""}}'])
      expect(findAnthropicCredential(deps({}, { [LOGIN]: text })).ok).toBe(false);
    // $CLAUDE_CONFIG_DIR moves it: the one in HOME is not Claude Code's then.
    expect(
      findAnthropicCredential(deps({ CLAUDE_CONFIG_DIR: '/cfg' }, { [LOGIN]: loginFile })),
    ).toEqual({
      ok: false,
      looked:
        'ANTHROPIC_API_KEY and CLAUDE_CODE_OAUTH_TOKEN are not set and Claude Code is not logged in (no /cfg/.credentials.json)',
    });
  });

  it('macOS: a Keychain entry counts as a login', () => {
    const found = findAnthropicCredential({ ...deps({}), keychainHasLogin: () => true });
    expect(found).toEqual({ ok: true, source: 'claude-login:keychain' });
  });
});

describe('chooseProvider', () => {
  it('auto: z.ai when its token resolves, even with an Anthropic key', async () => {
    const choice = await chooseProvider(
      undefined,
      deps({ ZAI_API_KEY: 'z', ANTHROPIC_API_KEY: 'a' }),
    );
    expect(choice).toEqual({
      ok: true,
      provider: 'zai',
      source: 'env:ZAI_API_KEY',
      detected: true,
    });
    const ok = choice as typeof choice & { ok: true };
    expect(describeChoice(ok, {})).toBe(
      'provider zai (auto-detected): https://api.z.ai/api/anthropic, model glm-5, token from env:ZAI_API_KEY',
    );
    expect(describeChoice(ok, { CC_GLM_BASE_URL: 'http://gw', CC_GLM_MODEL: 'glm-4.6' })).toBe(
      'provider zai (auto-detected): http://gw, model glm-4.6, token from env:ZAI_API_KEY',
    );
    const anthropic = { ...ok, provider: 'anthropic' as const, source: 'env:ANTHROPIC_API_KEY' };
    expect(describeChoice(anthropic, { CC_GLM_MODEL: 'glm-5' })).toBe(
      "provider anthropic (auto-detected): Claude Code's own endpoint, Claude Code's default model, credential env:ANTHROPIC_API_KEY",
    );
    expect(describeChoice(anthropic, {}, 'claude-opus-4-1')).toContain(', model claude-opus-4-1,');
  });

  it("auto: the default op reference failing and Claude Code's login -> anthropic", async () => {
    const choice = await chooseProvider(undefined, deps({}, { [LOGIN]: loginFile }));
    expect(choice).toEqual({
      ok: true,
      provider: 'anthropic',
      source: `claude-login:${LOGIN}`,
      detected: true,
    });
    expect(JSON.stringify(choice)).not.toContain('oat-secret');
  });

  it('auto: the default op reference that works stays z.ai', async () => {
    const choice = await chooseProvider(
      undefined,
      deps({ ANTHROPIC_API_KEY: 'a' }, {}, { ok: true, stdout: 'tok\n' }),
    );
    expect(choice).toMatchObject({ ok: true, provider: 'zai', source: 'op-ref:default-dev' });
  });

  it('auto: a z.ai source set on purpose that fails is reported, not replaced', async () => {
    const choice = await chooseProvider(
      undefined,
      deps({ CC_GLM_TOKEN_FILE: '/nope', ANTHROPIC_API_KEY: 'a' }),
    );
    expect(choice).toEqual({
      ok: false,
      provider: 'zai',
      message:
        "no z.ai token (Token file not found: /nope (from CC_GLM_TOKEN_FILE)); fix: correct that source, or export ZAI_API_KEY='…' (z.ai, glm-5), or --provider anthropic for Claude Code's own credential",
    });
  });

  it('auto: nothing anywhere -> both ways to fix it', async () => {
    const choice = await chooseProvider(undefined, deps({}));
    expect(choice.ok).toBe(false);
    expect(choice.ok ? '' : choice.message).toBe(
      "no credential: no z.ai token (the 1Password CLI (op) is not on PATH, needed to read op://dev/Agent-Secrets-Production/ZAI_API_KEY (op-ref:default-dev)) and no Anthropic credential (ANTHROPIC_API_KEY and CLAUDE_CODE_OAUTH_TOKEN are not set and Claude Code is not logged in (no /home/u/.claude/.credentials.json)); fix: export ZAI_API_KEY='…' (z.ai, glm-5), or export ANTHROPIC_API_KEY='…' or log in to Claude Code (`claude`, then /login)",
    );
  });

  it('auto, non-strict: nothing resolves -> z.ai without a token, with a warning', async () => {
    const choice = await chooseProvider(undefined, deps({ CC_GLM_STRICT_AUTH: '0' }));
    expect(choice).toMatchObject({ ok: true, provider: 'zai', source: 'none' });
    expect(choice.ok && choice.warning).toMatch(/launching without a token/);
  });

  it('--provider anthropic ignores z.ai; --provider zai ignores Anthropic', async () => {
    expect(
      await chooseProvider('anthropic', deps({ ZAI_API_KEY: 'z', ANTHROPIC_API_KEY: 'a' })),
    ).toEqual({
      ok: true,
      provider: 'anthropic',
      source: 'env:ANTHROPIC_API_KEY',
      detected: false,
    });
    expect(await chooseProvider('anthropic', deps({ ZAI_API_KEY: 'z' }))).toMatchObject({
      ok: false,
      provider: 'anthropic',
      message: expect.stringMatching(/^no Anthropic credential: .*; fix: export ANTHROPIC_API_KEY/),
    });
    expect(await chooseProvider('zai', deps({ ANTHROPIC_API_KEY: 'a' }))).toMatchObject({
      ok: false,
      provider: 'zai',
      message: expect.stringMatching(
        /^no z\.ai token .*; fix: export ZAI_API_KEY='…' \(z\.ai, glm-5\)$/,
      ),
    });
  });
});

describe('the anthropic provider: the claude agent without z.ai routing', () => {
  const launch = {
    baseUrl: 'https://api.z.ai/api/anthropic',
    timeoutMs: '1',
    promptFile: '/p',
    nodePath: '/node',
    demoAgent: '/d',
    isRoot: false,
  };

  it('no base URL, no token, no model unless one is given', () => {
    const profile = resolveProfile({ agent: 'claude', provider: 'anthropic' });
    const plain = planLaunch(profile, { ...launch, token: 'never' });
    expect(plain.args).toEqual(['--dangerously-skip-permissions', '-p', '--output-format', 'text']);
    expect(plain.env).toEqual({ CCGLM_PROMPT_FILE: '/p' });
    expect(planLaunch(profile, { ...launch, model: 'claude-opus-4' }).args).toEqual([
      '--dangerously-skip-permissions',
      '--model',
      'claude-opus-4',
      '-p',
      '--output-format',
      'text',
    ]);
    // Other agents have no provider.
    expect(resolveProfile({ agent: 'codex', provider: 'anthropic' }).name).toBe('codex');
  });

  it("a run's --model travels as ANTHROPIC_MODEL, the provider as CCGLM_PROVIDER", () => {
    const job = buildAgentJob({
      agent: 'claude',
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      promptFile: '/p',
      taskId: 'T1',
      planPath: '/plan.md',
      worktree: '/wt',
    });
    expect(job.env).toMatchObject({
      CCGLM_PROVIDER: 'anthropic',
      ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    });
    expect(job.env['CC_GLM_MODEL']).toBeUndefined();
  });

  it('its runtime contract names what Claude Code will use', () => {
    const contract = describeRuntimeContract({
      env: { CCGLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'k', CC_GLM_MODEL: 'glm-5' },
      executionMode: 'nohup',
    });
    expect(contract).toEqual({
      auth_source: 'env:ANTHROPIC_API_KEY',
      auth_mode: 'provider:anthropic',
      model: 'default',
      base_url: 'https://api.anthropic.com',
      timeout_ms: 'default',
      execution_mode: 'nohup',
      agent: 'claude',
    });
  });
});
