import { describe, expect, it } from 'vitest';
import { explainAgentFailure } from '../../src/agent/failure.js';
import { detectRateLimit } from '../../src/agent/rate-limit.js';

const now = new Date('2026-03-01T10:00:00Z');

describe('detectRateLimit', () => {
  it.each([
    [
      '[ccglm] RATE_LIMITED retry_after=30 reset_at=2026-03-01T10:00:30.000Z base_url=http://x',
      30,
      '2026-03-01T10:00:30.000Z',
    ],
    [
      'API Error: Request rejected (429) · Rate limited; retry after 12 seconds',
      12,
      '2026-03-01T10:00:12.000Z',
    ],
    ['Claude AI usage limit reached|1772362800', undefined, '2026-03-01T11:00:00.000Z'],
    [
      'Error: 429 Too Many Requests, resets at 2026-03-01T12:00:00Z',
      undefined,
      '2026-03-01T12:00:00.000Z',
    ],
    ['\u001b[31mAPI Error: Request rejected (429)\u001b[0m', undefined, undefined],
  ])('%s', (log, retryAfter, resetAt) => {
    const info = detectRateLimit(`some output\n${log}\nmore`, now);
    expect(info).not.toBeNull();
    expect(info?.retryAfterSeconds).toBe(retryAfter);
    expect(info?.resetAt?.toISOString()).toBe(resetAt);
    expect(info?.line).not.toContain('\u001b');
  });

  it('returns null for a log without a limit, and the last match when several', () => {
    expect(detectRateLimit('all good\nDone.\n', now)).toBeNull();
    expect(
      detectRateLimit(
        'API Error: 429 retry after 5 seconds\nlater: API Error: 429 retry after 9 seconds',
        now,
      )?.retryAfterSeconds,
    ).toBe(9);
  });

  it('is an API refusal, not any line about 429s or rate limits (an agent writing retry code)', () => {
    for (const line of [
      'FAIL retry.test.ts > retries on 429 Too Many Requests (usage limit header missing)',
      'Implemented rate limiting for the upload endpoint',
      'src/http/retry.ts: handle 429 and overloaded responses',
      'expect(status).toBe(429)',
    ])
      expect(detectRateLimit(`${line}\nexit 1`, now)).toBeNull();
    expect(detectRateLimit('{"type":"error","error":{"type":"overloaded_error"}}')).not.toBeNull();
    expect(detectRateLimit('HTTP 429 Too Many Requests')).not.toBeNull();
  });

  it('needs a clock to turn a relative wait into a reset time', () => {
    expect(detectRateLimit('API Error: 429 retry-after: 3')).toEqual({
      line: 'API Error: 429 retry-after: 3',
      retryAfterSeconds: 3,
    });
  });
});

describe('explainAgentFailure', () => {
  const context = { baseUrl: 'http://127.0.0.1:5', now };
  it.each([
    [
      'API Error: Request rejected (429) · Rate limited; retry after 30 seconds',
      '[ccglm] RATE_LIMITED retry_after=30 reset_at=2026-03-01T10:00:30.000Z base_url=http://127.0.0.1:5',
    ],
    ['API Error: 429', '[ccglm] RATE_LIMITED base_url=http://127.0.0.1:5'],
    [
      'Invalid API key · Fix external API key',
      '[cc-glm-headless] ERROR: AUTH_REJECTED the API at http://127.0.0.1:5 rejected the token (HTTP 401); check CC_GLM_AUTH_TOKEN / CC_GLM_TOKEN_FILE / ZAI_API_KEY',
    ],
    [
      '403 permission_error',
      '[cc-glm-headless] ERROR: AUTH_FORBIDDEN the API at http://127.0.0.1:5 refused the request (HTTP 403)',
    ],
    ['TypeError: boom', undefined],
  ])('%s', (tail, line) => expect(explainAgentFailure(tail, context)).toBe(line));
});
