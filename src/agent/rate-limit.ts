/**
 * Rate-limit detection over an agent's log, for the scheduler (wait, then retry instead of failing).
 * ccglm headless writes its own marker line when it knows; agents' own wordings are matched too.
 */

export interface RateLimitInfo {
  /** The matching line (ANSI codes removed). */
  line: string;
  /** When the limit resets, when the log says (absolute or derived from "retry after N s"). */
  resetAt?: Date;
  /** Seconds to wait, when the log says. */
  retryAfterSeconds?: number;
}

/** The marker `ccglm headless` prints: `[ccglm] RATE_LIMITED retry_after=30 reset_at=<ISO>`. */
export const RATE_LIMIT_MARKER = '[ccglm] RATE_LIMITED';

/**
 * An API's refusal, as agents print it: not any line that mentions 429 or a rate limit (an agent
 * working on retry code prints such lines; read as a limit, its task was started again and again).
 */
const PATTERNS = [
  /\[ccglm\] RATE_LIMITED/,
  // Claude Code: `API Error: 429 {…}`, `API Error: Request rejected (429) · Rate limited; …`.
  /\bAPI Error\b.*(\b429\b|rate[ _-]?limit|overloaded)/i,
  // The Messages API's error types, in a JSON body an agent printed.
  /"(rate_limit_error|overloaded_error)"/,
  // An HTTP client's error: `Error: 429 Too Many Requests …`, `HTTP 429 Too Many Requests`.
  /^(\S*Error:?\s+|HTTP\/?[\d.]*\s+)?429\b.*too many requests/i,
  // Claude's subscription limit: `Claude AI usage limit reached|1760000000`.
  /usage limit reached/i,
];

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/**
 * The last rate-limit line in a log, with its reset time when given (`retry_after=30`,
 * `retry-after: 30`, `retry after 30 seconds`, `reset_at=2026-…Z`, `resets at <ISO>`, or a unix
 * timestamp after `|` as Claude Code prints `Claude AI usage limit reached|1760000000`).
 * `now` (the time the log was read) turns a relative wait into `resetAt`.
 */
export function detectRateLimit(logText: string, now?: Date): RateLimitInfo | null {
  const lines = logText.replace(ANSI, '').split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = (lines[i] as string).trim();
    if (!PATTERNS.some((pattern) => pattern.test(line))) continue;
    const info: RateLimitInfo = { line };
    const iso = /(?:reset_at=|resets? at )(\d{4}-\d\d-\d\dT[\d:.]+Z)/i.exec(line);
    const unix = /\|(\d{10})\b/.exec(line);
    const after = /retry[_ -]?after[=:]?\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|seconds?)?/i.exec(line);
    if (after !== null) {
      const value = Number(after[1]);
      info.retryAfterSeconds = after[2] === 'ms' ? value / 1000 : value;
    }
    if (iso !== null) info.resetAt = new Date(iso[1] as string);
    else if (unix !== null) info.resetAt = new Date(Number(unix[1]) * 1000);
    else if (info.retryAfterSeconds !== undefined && now !== undefined)
      info.resetAt = new Date(now.getTime() + info.retryAfterSeconds * 1000);
    return info;
  }
  return null;
}
