import { describe, expect, it } from 'vitest';
import {
  decideAuth,
  describeAuthSource,
  resolveAuth,
  type AuthDeps,
  type OpResult,
} from '../../src/agent/auth.js';

const TOKEN = 'sk-secret-token-123';

function deps(
  env: Record<string, string>,
  options: { files?: Record<string, string | NodeJS.ErrnoException>; op?: OpResult } = {},
) {
  const opCalls: string[][] = [];
  const value: AuthDeps = {
    env,
    readFile: (file) => {
      const content = options.files?.[file];
      if (content === undefined)
        throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      if (typeof content !== 'string') throw content;
      return content;
    },
    runOp: async (args) => {
      opCalls.push(args);
      return options.op ?? { ok: false, reason: 'missing' };
    },
  };
  return { value, opCalls };
}

describe('resolveAuth: first match wins', () => {
  it.each([
    [{ CC_GLM_AUTH_TOKEN: TOKEN, ZAI_API_KEY: 'other' }, 'env:CC_GLM_AUTH_TOKEN'],
    [{ ZAI_API_KEY: TOKEN, CC_GLM_OP_URI: 'op://v/i/f' }, 'env:ZAI_API_KEY'],
  ])('plain token from %o -> %s, op never runs', async (env, source) => {
    const { value, opCalls } = deps(env);
    const result = await resolveAuth(value);
    expect(result).toEqual({ ok: true, token: TOKEN, source, mode: 'strict' });
    expect(opCalls).toEqual([]);
  });

  it('reads CC_GLM_TOKEN_FILE with all whitespace stripped', async () => {
    const { value } = deps(
      { CC_GLM_TOKEN_FILE: '/secrets/key', ZAI_API_KEY: 'ignored' },
      { files: { '/secrets/key': `  ${TOKEN}\n\n` } },
    );
    expect(await resolveAuth(value)).toEqual({
      ok: true,
      token: TOKEN,
      source: 'file:CC_GLM_TOKEN_FILE',
      mode: 'strict',
    });
  });

  it.each([
    [{ ZAI_API_KEY: 'op://dev/Item/field' }, 'op://dev/Item/field', 'op-ref:ZAI_API_KEY'],
    [{ CC_GLM_OP_URI: 'op://v/i/f' }, 'op://v/i/f', 'op-ref:CC_GLM_OP_URI'],
    [{}, 'op://dev/Agent-Secrets-Production/ZAI_API_KEY', 'op-ref:default-dev'],
    [
      { CC_GLM_OP_VAULT: 'prod' },
      'op://prod/Agent-Secrets-Production/ZAI_API_KEY',
      'op-ref:default-prod',
    ],
  ])('op reference from %o reads %s with op read', async (env, ref, source) => {
    const { value, opCalls } = deps(env, { op: { ok: true, stdout: `${TOKEN}\n` } });
    expect(await resolveAuth(value)).toEqual({ ok: true, token: TOKEN, source, mode: 'strict' });
    expect(opCalls).toEqual([['read', ref]]);
  });
});

describe('resolveAuth: failures and exit codes', () => {
  const enoent = Object.assign(new Error('x'), { code: 'ENOENT' });
  const eacces = Object.assign(new Error('x'), { code: 'EACCES' });
  it.each([
    [
      'missing',
      enoent,
      'token_file_missing',
      'Token file not found: /s/k (from CC_GLM_TOKEN_FILE)',
    ],
    [
      'unreadable',
      eacces,
      'token_file_unreadable',
      'Token file not readable (EACCES): /s/k (from CC_GLM_TOKEN_FILE)',
    ],
    ['empty', ' \n\t', 'token_file_empty', 'Token file is empty: /s/k (from CC_GLM_TOKEN_FILE)'],
  ])('token file %s -> exit 11', async (_name, content, reason, firstLine) => {
    const { value } = deps({ CC_GLM_TOKEN_FILE: '/s/k' }, { files: { '/s/k': content } });
    const result = await resolveAuth(value);
    expect(result).toMatchObject({
      ok: false,
      exitCode: 11,
      reason,
      source: 'file:CC_GLM_TOKEN_FILE',
    });
    if (!result.ok) expect(result.message.split('\n')[0]).toBe(firstLine);
  });

  it.each([
    [{ ok: false, reason: 'missing' } as OpResult, 'op_cli_missing', 'not on PATH'],
    [{ ok: false, reason: 'failed', exitCode: 1 } as OpResult, 'op_read_failed', 'failed (exit 1)'],
    [{ ok: false, reason: 'timeout' } as OpResult, 'op_read_timeout', 'timed out'],
    [{ ok: true, stdout: '\n' } as OpResult, 'op_read_empty', 'returned an empty value'],
  ])('op %o -> exit 10 (%s) with remediation', async (op, reason, words) => {
    const { value } = deps({ CC_GLM_OP_URI: 'op://v/i/f' }, { op });
    const result = await resolveAuth(value);
    expect(result).toMatchObject({
      ok: false,
      exitCode: 10,
      reason,
      source: 'op-ref:CC_GLM_OP_URI',
    });
    if (result.ok) return;
    expect(result.message).toContain(words);
    expect(result.message).toMatch(/^AUTH TOKEN RESOLUTION FAILED/);
    if (reason !== 'op_read_empty') expect(result.message).toContain('CC_GLM_AUTH_TOKEN');
  });

  it('a failure message never holds the token even when op printed it and failed', async () => {
    const { value } = deps(
      { ZAI_API_KEY: 'op://v/i/f' },
      { op: { ok: false, reason: 'failed', exitCode: 2 } },
    );
    const result = await resolveAuth(value);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });
});

describe('decideAuth: strict and fallback modes', () => {
  it.each([
    [{}, 'exit'],
    [{ CC_GLM_STRICT_AUTH: '1' }, 'exit'],
    [{ CC_GLM_STRICT_AUTH: '0' }, 'launch-without-token'],
    [{ CC_GLM_ALLOW_FALLBACK: '1' }, 'launch-without-token'],
  ])('failure under %o -> %s', async (env, action) => {
    const { value } = deps(env);
    const decision = decideAuth(await resolveAuth(value));
    expect(decision.action).toBe(action);
    if (decision.action === 'exit') expect(decision.exitCode).toBe(10);
  });

  it('token-file failure in strict mode keeps exit 11', async () => {
    const { value } = deps({ CC_GLM_TOKEN_FILE: '/nope' });
    expect(decideAuth(await resolveAuth(value))).toMatchObject({ action: 'exit', exitCode: 11 });
  });

  it('success launches with the token and its source', async () => {
    const { value } = deps({ CC_GLM_AUTH_TOKEN: TOKEN, CC_GLM_STRICT_AUTH: '0' });
    expect(decideAuth(await resolveAuth(value))).toEqual({
      action: 'launch',
      token: TOKEN,
      source: 'env:CC_GLM_AUTH_TOKEN',
      mode: 'non_strict',
    });
  });
});

describe('describeAuthSource', () => {
  it('names the source without reading files or running op', () => {
    expect(describeAuthSource({ CC_GLM_TOKEN_FILE: '/does/not/exist' })).toBe(
      'file:CC_GLM_TOKEN_FILE',
    );
    expect(describeAuthSource({ ZAI_API_KEY: 'op://a/b/c' })).toBe('op-ref:ZAI_API_KEY');
    expect(describeAuthSource({ CC_GLM_AUTH_TOKEN: '' })).toBe('op-ref:default-dev');
  });
});
