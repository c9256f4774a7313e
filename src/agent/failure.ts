import { detectRateLimit, RATE_LIMIT_MARKER } from './rate-limit.js';

const TAG = '[cc-glm-headless]';

/**
 * One clear line explaining why an agent failed, from the tail of its output: the API rejected the
 * token (401/403), or a rate limit (429) — then the machine-readable RATE_LIMITED marker the
 * scheduler looks for (see detectRateLimit). Undefined when the output says neither.
 */
export function explainAgentFailure(
  tail: string,
  context: { baseUrl: string; now: Date },
): string | undefined {
  const rateLimit = detectRateLimit(tail, context.now);
  if (rateLimit !== null) {
    const fields = [
      rateLimit.retryAfterSeconds !== undefined ? `retry_after=${rateLimit.retryAfterSeconds}` : '',
      rateLimit.resetAt !== undefined ? `reset_at=${rateLimit.resetAt.toISOString()}` : '',
    ].filter(Boolean);
    return `${RATE_LIMIT_MARKER}${fields.length > 0 ? ` ${fields.join(' ')}` : ''} base_url=${context.baseUrl}`;
  }
  if (/\b401\b|authentication_error|invalid (x-)?api[ -]key|unauthorized/i.test(tail))
    return `${TAG} ERROR: AUTH_REJECTED the API at ${context.baseUrl} rejected the token (HTTP 401); check CC_GLM_AUTH_TOKEN / CC_GLM_TOKEN_FILE / ZAI_API_KEY`;
  if (/\b403\b|permission_error|forbidden/i.test(tail))
    return `${TAG} ERROR: AUTH_FORBIDDEN the API at ${context.baseUrl} refused the request (HTTP 403)`;
  return undefined;
}
