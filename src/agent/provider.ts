/**
 * Which API the `claude` agent talks to, and where its credential comes from — never the secret.
 *
 * - `zai` (the default): z.ai's Anthropic-compatible endpoint, glm-5, the token resolved by
 *   auth.ts (CC_GLM_AUTH_TOKEN, CC_GLM_TOKEN_FILE, ZAI_API_KEY, CC_GLM_OP_URI, the default op ref).
 * - `anthropic`: Claude Code as it is, no base URL or model override; it authenticates itself with
 *   ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN or its own login (`claude`, then /login).
 *
 * Without a choice: z.ai when its token resolves; else Anthropic when a credential of Claude Code's
 * is there — unless a z.ai source was set explicitly (a broken ZAI_API_KEY must not quietly move a
 * run onto another paid account). Everything outside (env, HOME, files, `op`) is injected.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { failureCause, hasExplicitSource, resolveAuth, type AuthDeps, type Env } from './auth.js';
import { DEFAULT_BASE_URL, DEFAULT_MODEL } from './contract.js';
import { runOpCli } from './op.js';
import type { Provider } from './provider-name.js';

export { PROVIDER_ENV, PROVIDERS, providerFromEnv, type Provider } from './provider-name.js';

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

export interface AnthropicDeps {
  env: Env;
  /** The user's home folder (os.homedir() in the CLI; a temp folder in tests). */
  home: string;
  readFile: (file: string) => string;
  /** macOS keeps Claude Code's login in the Keychain: whether an entry is there (no secret read). */
  keychainHasLogin?: () => boolean;
}

export type AnthropicCredential = { ok: true; source: string } | { ok: false; looked: string };

/** Claude Code's credentials file: `$CLAUDE_CONFIG_DIR/.credentials.json` or `~/.claude/.credentials.json`. */
export function claudeCredentialsFile(env: Env, home: string): string {
  const dir = set(env['CLAUDE_CONFIG_DIR']) ? env['CLAUDE_CONFIG_DIR'] : path.join(home, '.claude');
  return path.join(dir, '.credentials.json');
}

/** Whether Claude Code has a login in `file` (an OAuth token in it); the token itself is not kept. */
function hasLogin(file: string, readFile: (file: string) => string): boolean {
  try {
    const data = JSON.parse(readFile(file)) as {
      claudeAiOauth?: { accessToken?: unknown; refreshToken?: unknown };
    };
    const oauth = data.claudeAiOauth;
    return (
      (typeof oauth?.accessToken === 'string' && oauth.accessToken !== '') ||
      (typeof oauth?.refreshToken === 'string' && oauth.refreshToken !== '')
    );
  } catch {
    return false;
  }
}

/** The first of Claude Code's own credentials found, by the name of its source. */
export function findAnthropicCredential(deps: AnthropicDeps): AnthropicCredential {
  for (const key of ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'])
    if (set(deps.env[key])) return { ok: true, source: `env:${key}` };
  const file = claudeCredentialsFile(deps.env, deps.home);
  if (hasLogin(file, deps.readFile)) return { ok: true, source: `claude-login:${file}` };
  if (deps.keychainHasLogin?.() === true) return { ok: true, source: 'claude-login:keychain' };
  return {
    ok: false,
    looked: `ANTHROPIC_API_KEY and CLAUDE_CODE_OAUTH_TOKEN are not set and Claude Code is not logged in (no ${file})`,
  };
}

export type ProviderDeps = AuthDeps & AnthropicDeps;

export type ProviderChoice =
  | {
      ok: true;
      provider: Provider;
      /** Where the credential comes from (`env:ZAI_API_KEY`, `claude-login:…`); never the secret. */
      source: string;
      /** Chosen without --provider. */
      detected: boolean;
      /** A z.ai token that did not resolve, launched without one (CC_GLM_STRICT_AUTH=0). */
      warning?: string;
    }
  | {
      ok: false;
      provider: Provider | undefined;
      /** The cause and the fix, on one line. */
      message: string;
    };

const FIX_ZAI = "export ZAI_API_KEY='…' (z.ai, glm-5)";
const FIX_ANTHROPIC =
  "export ANTHROPIC_API_KEY='…' or log in to Claude Code (`claude`, then /login)";

/**
 * Chooses the provider (`requested`, else auto-detection) and checks that its credential resolves,
 * as `ccglm headless` will resolve it for each task.
 */
export async function chooseProvider(
  requested: Provider | undefined,
  deps: ProviderDeps,
): Promise<ProviderChoice> {
  if (requested === 'anthropic') {
    const found = findAnthropicCredential(deps);
    if (found.ok) return { ok: true, provider: 'anthropic', source: found.source, detected: false };
    const message = `no Anthropic credential: ${found.looked}; fix: ${FIX_ANTHROPIC}`;
    return { ok: false, provider: 'anthropic', message };
  }
  const zai = await resolveAuth(deps);
  const detected = requested === undefined;
  if (zai.ok) return { ok: true, provider: 'zai', source: zai.source, detected };
  const cause = `no z.ai token (${failureCause(zai.message)})`;
  // A z.ai source the user set is what they meant: it is fixed, not worked around.
  const explicit = hasExplicitSource(deps.env);
  const anthropic = detected && !explicit ? findAnthropicCredential(deps) : undefined;
  if (anthropic?.ok === true)
    return { ok: true, provider: 'anthropic', source: anthropic.source, detected: true };
  if (zai.mode === 'non_strict')
    return {
      ok: true,
      provider: 'zai',
      source: 'none',
      detected,
      warning: `${cause}; launching without a token because CC_GLM_STRICT_AUTH=0 or CC_GLM_ALLOW_FALLBACK=1`,
    };
  if (anthropic === undefined)
    return {
      ok: false,
      provider: 'zai',
      message: `${cause}; fix: ${explicit ? `correct that source, or ${FIX_ZAI}` : FIX_ZAI}${detected ? ", or --provider anthropic for Claude Code's own credential" : ''}`,
    };
  return {
    ok: false,
    provider: undefined,
    message: `no credential: ${cause} and no Anthropic credential (${anthropic.looked}); fix: ${FIX_ZAI}, or ${FIX_ANTHROPIC}`,
  };
}

/**
 * What a check line says: `provider zai (auto-detected): https://api.z.ai/api/anthropic, model
 * glm-5, token from env:ZAI_API_KEY`. `model` is the run's --model.
 */
export function describeChoice(
  choice: ProviderChoice & { ok: true },
  env: Env,
  model?: string,
  /** Why this provider when it was not detected (default `--provider`). */
  chosenBy = '--provider',
): string {
  const how = choice.detected ? 'auto-detected' : chosenBy;
  const or = (value: string | undefined, fallback: string) => (set(value) ? value : fallback);
  if (choice.provider === 'anthropic') {
    const where = or(env['ANTHROPIC_BASE_URL'], "Claude Code's own endpoint");
    const chosen = model ?? (set(env['ANTHROPIC_MODEL']) ? env['ANTHROPIC_MODEL'] : undefined);
    const which = chosen !== undefined ? `model ${chosen}` : "Claude Code's default model";
    return `provider anthropic (${how}): ${where}, ${which}, credential ${choice.source}`;
  }
  const token = choice.source === 'none' ? 'no token' : `token from ${choice.source}`;
  return `provider zai (${how}): ${or(env['CC_GLM_BASE_URL'], DEFAULT_BASE_URL)}, model ${or(model ?? env['CC_GLM_MODEL'], DEFAULT_MODEL)}, ${token}`;
}

/**
 * The real world for chooseProvider: files, `op`, HOME from `env` (as Claude Code finds it), and on
 * macOS whether the Keychain has Claude Code's login (`security` without -w prints no secret).
 */
export function systemProviderDeps(env: Env): ProviderDeps {
  return {
    env,
    home: set(env['HOME']) ? env['HOME'] : os.homedir(),
    readFile: (file) => readFileSync(file, 'utf8'),
    runOp: runOpCli(env),
    ...(process.platform === 'darwin'
      ? {
          keychainHasLogin: () =>
            spawnSync('security', ['find-generic-password', '-s', 'Claude Code-credentials'], {
              stdio: 'ignore',
              timeout: 5000,
            }).status === 0,
        }
      : {}),
  };
}
