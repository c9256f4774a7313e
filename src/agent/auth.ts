/**
 * Token resolution for `ccglm headless`, compatible with cc-glm-headless.sh (first match wins):
 * CC_GLM_AUTH_TOKEN; CC_GLM_TOKEN_FILE; ZAI_API_KEY (plain or op://); CC_GLM_OP_URI; the default
 * op://${CC_GLM_OP_VAULT:-dev}/Agent-Secrets-Production/ZAI_API_KEY. Everything outside (env, files,
 * the `op` CLI) is injected, so every branch is a table test. No message ever holds the token.
 */

export type Env = Record<string, string | undefined>;
export type AuthMode = 'strict' | 'non_strict';

/** What running `op read REF` gave: stdout on success, or why it did not work. */
export type OpResult =
  | { ok: true; stdout: string }
  | { ok: false; reason: 'missing' | 'failed' | 'timeout'; exitCode?: number };

export interface AuthDeps {
  env: Env;
  /** Reads a file as UTF-8; throws (with `code` ENOENT/EACCES/EISDIR…) when it cannot. */
  readFile: (file: string) => string;
  /** Runs the 1Password CLI with an argument array (`['read', ref]`), never through a shell. */
  runOp: (args: string[]) => Promise<OpResult>;
}

export type AuthResult =
  | { ok: true; token: string; source: string; mode: AuthMode }
  | {
      ok: false;
      exitCode: 10 | 11;
      source: string;
      mode: AuthMode;
      /** A short machine-friendly reason: token_file_missing, op_cli_missing, op_read_failed, … */
      reason: string;
      /** Human explanation with remediation steps (several lines; never the token). */
      message: string;
    };

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

/** strict unless CC_GLM_STRICT_AUTH=0 or CC_GLM_ALLOW_FALLBACK=1 (then a failure launches without a token). */
export function authMode(env: Env): AuthMode {
  return env['CC_GLM_STRICT_AUTH'] === '0' || env['CC_GLM_ALLOW_FALLBACK'] === '1'
    ? 'non_strict'
    : 'strict';
}

type Plan =
  | { kind: 'token'; source: string; token: string }
  | { kind: 'file'; source: string; file: string }
  | { kind: 'op'; source: string; ref: string };

/** Which source wins, from the environment alone (no file read, no `op`). */
function planAuth(env: Env): Plan {
  const direct = env['CC_GLM_AUTH_TOKEN'];
  if (set(direct)) return { kind: 'token', source: 'env:CC_GLM_AUTH_TOKEN', token: direct };
  const file = env['CC_GLM_TOKEN_FILE'];
  if (set(file)) return { kind: 'file', source: 'file:CC_GLM_TOKEN_FILE', file };
  const zai = env['ZAI_API_KEY'];
  if (set(zai))
    return zai.startsWith('op://')
      ? { kind: 'op', source: 'op-ref:ZAI_API_KEY', ref: zai }
      : { kind: 'token', source: 'env:ZAI_API_KEY', token: zai };
  const uri = env['CC_GLM_OP_URI'];
  if (set(uri)) return { kind: 'op', source: 'op-ref:CC_GLM_OP_URI', ref: uri };
  const vault = set(env['CC_GLM_OP_VAULT']) ? env['CC_GLM_OP_VAULT'] : 'dev';
  return {
    kind: 'op',
    source: `op-ref:default-${vault}`,
    ref: `op://${vault}/Agent-Secrets-Production/ZAI_API_KEY`,
  };
}

/** The sources a user sets on purpose (the last one, the default op reference, is nobody's choice). */
export const EXPLICIT_SOURCES = [
  'CC_GLM_AUTH_TOKEN',
  'CC_GLM_TOKEN_FILE',
  'ZAI_API_KEY',
  'CC_GLM_OP_URI',
];

export function hasExplicitSource(env: Env): boolean {
  return EXPLICIT_SOURCES.some((key) => set(env[key]));
}

/** A failure's cause in one line: the explanation's first line, without the banner. */
export function failureCause(message: string): string {
  return (message.split('\n')[0] ?? message)
    .replace(/^AUTH TOKEN RESOLUTION FAILED: /, '')
    .replace(/\.$/, '');
}

/** The source label that resolution would use (for the runtime contract); never reads the secret. */
export function describeAuthSource(env: Env): string {
  return planAuth(env).source;
}

const ALTERNATIVES = [
  'Set one of these instead:',
  "  export CC_GLM_AUTH_TOKEN='your-token'            (CI, secrets managers)",
  "  export CC_GLM_TOKEN_FILE='/run/secrets/zai-key'  (mounted secrets)",
  "  export ZAI_API_KEY='your-token-or-op://ref'",
  "  export CC_GLM_OP_URI='op://vault/item/field'",
  'To launch without a resolved token (not for parallel jobs): CC_GLM_STRICT_AUTH=0',
];

function fail(
  plan: Plan,
  mode: AuthMode,
  exitCode: 10 | 11,
  reason: string,
  lines: string[],
): AuthResult {
  return { ok: false, exitCode, source: plan.source, mode, reason, message: lines.join('\n') };
}

function readTokenFile(plan: Plan & { kind: 'file' }, deps: AuthDeps, mode: AuthMode): AuthResult {
  let text: string;
  try {
    text = deps.readFile(plan.file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const [reason, what] =
      code === 'ENOENT'
        ? ['token_file_missing', 'not found']
        : ['token_file_unreadable', `not readable (${code ?? 'error'})`];
    return fail(plan, mode, 11, reason, [
      `Token file ${what}: ${plan.file} (from CC_GLM_TOKEN_FILE)`,
      'Check that the file exists and is readable by this user, or unset CC_GLM_TOKEN_FILE.',
    ]);
  }
  const token = text.replace(/\s+/g, '');
  if (token === '')
    return fail(plan, mode, 11, 'token_file_empty', [
      `Token file is empty: ${plan.file} (from CC_GLM_TOKEN_FILE)`,
      'Write the token into the file, or unset CC_GLM_TOKEN_FILE.',
    ]);
  return { ok: true, token, source: plan.source, mode };
}

async function readOpRef(plan: Plan & { kind: 'op' }, deps: AuthDeps, mode: AuthMode) {
  const result = await deps.runOp(['read', plan.ref]);
  if (!result.ok && result.reason === 'missing')
    return fail(plan, mode, 10, 'op_cli_missing', [
      `AUTH TOKEN RESOLUTION FAILED: the 1Password CLI (op) is not on PATH, needed to read ${plan.ref} (${plan.source}).`,
      'Remediation:',
      '  - Install the 1Password CLI: https://developer.1password.com/docs/cli/get-started/',
      ...ALTERNATIVES.map((line) => `  ${line}`),
    ]);
  if (!result.ok)
    return fail(
      plan,
      mode,
      10,
      result.reason === 'timeout' ? 'op_read_timeout' : 'op_read_failed',
      [
        `AUTH TOKEN RESOLUTION FAILED: 'op read ${plan.ref}' ${
          result.reason === 'timeout' ? 'timed out' : `failed (exit ${result.exitCode ?? '?'})`
        } (${plan.source}).`,
        'Possible causes: OP_SERVICE_ACCOUNT_TOKEN not set or expired; op not signed in;',
        'the service account cannot access that vault/item.',
        'Remediation:',
        "  - Local: run 'op signin'; CI/remote hosts: set OP_SERVICE_ACCOUNT_TOKEN",
        ...ALTERNATIVES.map((line) => `  ${line}`),
      ],
    );
  const token = result.stdout.trim();
  if (token === '')
    return fail(plan, mode, 10, 'op_read_empty', [
      `AUTH TOKEN RESOLUTION FAILED: 'op read ${plan.ref}' returned an empty value (${plan.source}).`,
      'The secret may be empty or you may not have access to it.',
    ]);
  return { ok: true as const, token, source: plan.source, mode };
}

/** Resolves the token: first match wins; exit 11 for token-file problems, 10 for everything else. */
export async function resolveAuth(deps: AuthDeps): Promise<AuthResult> {
  const mode = authMode(deps.env);
  const plan = planAuth(deps.env);
  if (plan.kind === 'token') return { ok: true, token: plan.token, source: plan.source, mode };
  if (plan.kind === 'file') return readTokenFile(plan, deps, mode);
  return readOpRef(plan, deps, mode);
}

export type AuthDecision =
  | { action: 'launch'; token: string; source: string; mode: AuthMode }
  /** non-strict mode after a failure: launch without a token (the agent's own login may work). */
  | { action: 'launch-without-token'; source: 'none'; mode: AuthMode; warning: string }
  | { action: 'exit'; exitCode: 10 | 11; message: string };

/** What headless does with a resolution result, as in the reference's strict / fallback modes. */
export function decideAuth(result: AuthResult): AuthDecision {
  if (result.ok)
    return { action: 'launch', token: result.token, source: result.source, mode: result.mode };
  if (result.mode === 'non_strict')
    return {
      action: 'launch-without-token',
      source: 'none',
      mode: result.mode,
      warning: `auth not resolved (${result.reason}); launching without a token because CC_GLM_STRICT_AUTH=0 or CC_GLM_ALLOW_FALLBACK=1`,
    };
  return { action: 'exit', exitCode: result.exitCode, message: result.message };
}
