/**
 * `ccglm headless`: resolve auth, launch the agent with an argument array in the current folder
 * (the job runner sets it to the worktree), prompt on stdin or in a file — never argv — and exit
 * with the agent's code. A drop-in for cc-glm-headless.sh (exit codes 0/1/2/10/11).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decideAuth, hasExplicitSource, resolveAuth, type Env } from './auth.js';
import { ANTHROPIC_BASE_URL, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from './contract.js';
import { checkAgent } from './preflight.js';
import { planLaunch } from './launch-plan.js';
import { runOpCli, runOpCliShared } from './op.js';
import { demoAgentScript, type AgentProfile } from './profiles.js';
import {
  findAnthropicCredential,
  providerFromEnv,
  systemProviderDeps,
  type Provider,
} from './provider.js';
import { explainAgentFailure } from './failure.js';
import { packageVersion } from '../paths.js';

export const HEADLESS_VERSION = packageVersion();
const TAG = '[cc-glm-headless]';

export interface HeadlessOptions {
  prompt?: string;
  promptFile?: string;
  authCheck?: boolean;
  agent?: string;
  agentCmd?: string;
  model?: string;
  configPath?: string;
  /** zai (default) or anthropic; else $CCGLM_PROVIDER (set by `ccglm run`). */
  provider?: Provider;
}

export interface HeadlessIO {
  env: Env;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isRoot: boolean;
  /**
   * Set by a job host that runs headless in its own process, told the agent's pid: the agent then
   * gets its own process group (the host signals the group), and headless forwards no signals.
   */
  onSpawn?: (pid: number) => void;
  /** The agent's end: its exit code, or the signal that ended it. */
  onExit?: (exitCode: number, signal: number | undefined) => void;
  /**
   * A job host's pseudo-terminal (`--pty`): the agent runs in it instead of on pipes, its output
   * (stdout and stderr together) goes to `stdout`, and its stdin is the prompt file.
   */
  terminal?: Terminal;
  /** Asked right before the agent is spawned; false: it is not (its job was stopped meanwhile). */
  mayLaunch?: () => boolean;
  /** A job host hosting many jobs: one `op read` per reference for its life (op.ts). */
  shareOpReads?: boolean;
}

/** A command to start in a pseudo-terminal, and who hears its output and its end. */
export interface PtyRun {
  file: string;
  args: string[];
  /** A file to be the command's stdin; none: /dev/null (as on pipes: nobody types into the PTY). */
  stdin?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  onData: (data: string) => void;
  onExit: (exitCode: number, signal: number | undefined) => void;
}

/** Starts a command in a new pseudo-terminal (the job host's `runInPty`); resolves to its pid. */
export type Terminal = (run: PtyRun) => Promise<number>;

const orDefault = (value: string | undefined, fallback: string) =>
  value === undefined || value === '' ? fallback : value;

async function readStdin(stdin: HeadlessIO['stdin']): Promise<string> {
  if (stdin.isTTY) return '';
  let text = '';
  for await (const chunk of stdin) text += String(chunk);
  return text;
}

type Prompt = { ok: true; text: string; file?: string } | { ok: false; message: string };

async function readPrompt(options: HeadlessOptions, io: HeadlessIO): Promise<Prompt> {
  if (options.promptFile !== undefined) {
    const file = path.resolve(io.cwd, options.promptFile);
    try {
      return { ok: true, text: readFileSync(file, 'utf8'), file };
    } catch {
      return { ok: false, message: `--prompt-file not found or unreadable: ${file}` };
    }
  }
  const text = options.prompt ?? (await readStdin(io.stdin));
  return text.trim() === ''
    ? { ok: false, message: 'missing prompt (use --prompt, --prompt-file, or stdin)' }
    : { ok: true, text };
}

type Auth = { ok: true; token?: string; source: string } | { ok: false; exitCode: 10 | 11 };

/** Claude Code authenticates itself (--provider anthropic): only that it has a credential is checked. */
function anthropicAuth(io: HeadlessIO): Auth {
  const found = findAnthropicCredential(systemProviderDeps(io.env));
  if (found.ok) return { ok: true, source: found.source };
  io.stderr.write(`${TAG} ERROR: no Anthropic credential: ${found.looked}\n`);
  io.stderr.write(
    `${TAG} ERROR: export ANTHROPIC_API_KEY='…', or log in to Claude Code (\`claude\`, then /login)\n`,
  );
  return { ok: false, exitCode: 10 };
}

async function authenticate(
  profile: AgentProfile,
  io: HeadlessIO,
  provider: Provider,
): Promise<Auth> {
  if (provider === 'anthropic' && profile.name === 'claude') return anthropicAuth(io);
  const wanted =
    profile.auth === 'required' || (profile.auth === 'optional' && hasExplicitSource(io.env));
  if (!wanted) return { ok: true, source: 'none' };
  const decision = decideAuth(
    await resolveAuth({
      env: io.env,
      readFile: (f) => readFileSync(f, 'utf8'),
      runOp: io.shareOpReads === true ? runOpCliShared(io.env) : runOpCli(io.env),
    }),
  );
  if (decision.action === 'exit') {
    for (const line of decision.message.split('\n')) io.stderr.write(`${TAG} ERROR: ${line}\n`);
    return { ok: false, exitCode: decision.exitCode };
  }
  if (decision.action === 'launch-without-token') {
    io.stderr.write(`${TAG} WARN: ${decision.warning}\n`);
    return { ok: true, source: 'none' };
  }
  return { ok: true, token: decision.token, source: decision.source };
}

/** `--auth-check`: one line on stdout, remediation on stderr, exit 0 / 10 / 11. */
export async function checkAuth(io: HeadlessIO, provider: Provider = 'zai'): Promise<number> {
  if (provider === 'anthropic') {
    const found = findAnthropicCredential(systemProviderDeps(io.env));
    if (found.ok) {
      io.stdout.write(`AUTH_CHECK_OK source_category=${found.source} provider=anthropic\n`);
      return 0;
    }
    io.stdout.write(
      'AUTH_CHECK_FAILED source_category=none reason=no_anthropic_credential exit_code=10\n',
    );
    io.stderr.write(`${TAG} ERROR: ${found.looked}\n`);
    return 10;
  }
  const result = await resolveAuth({
    env: io.env,
    readFile: (f) => readFileSync(f, 'utf8'),
    runOp: runOpCli(io.env),
  });
  if (result.ok) {
    io.stdout.write(`AUTH_CHECK_OK source_category=${result.source} auth_mode=${result.mode}\n`);
    return 0;
  }
  io.stdout.write(
    `AUTH_CHECK_FAILED source_category=${result.source} reason=${result.reason} exit_code=${result.exitCode}\n`,
  );
  for (const line of result.message.split('\n')) io.stderr.write(`${TAG} ERROR: ${line}\n`);
  return result.exitCode;
}

/** Runs one agent to its end; resolves to the exit code headless should exit with. */
export async function runHeadless(options: HeadlessOptions, io: HeadlessIO): Promise<number> {
  const provider = options.provider ?? providerFromEnv(io.env) ?? 'zai';
  if (options.authCheck === true) return checkAuth(io, provider);
  const check = checkAgent(
    {
      provider,
      ...(options.agent !== undefined ? { agent: options.agent } : {}),
      ...(options.agentCmd !== undefined ? { agentCmd: options.agentCmd } : {}),
      ...(options.configPath ? { configPath: options.configPath } : {}),
    },
    { cwd: io.cwd, env: io.env },
  );
  const { profile } = check;
  const prompt = await readPrompt(options, io);
  if (!prompt.ok) {
    io.stderr.write(`${TAG} ERROR: ${prompt.message}\n`);
    return 1;
  }
  if (!check.ok) {
    for (const line of check.lines) io.stderr.write(`${TAG} ERROR: ${line}\n`);
    return 1;
  }
  const executable = check.executable as string;
  const auth = await authenticate(profile, io, provider);
  const anthropic = provider === 'anthropic' && profile.name === 'claude';
  if (!auth.ok) return auth.exitCode;

  // The prompt file the agent may read ($CCGLM_PROMPT_FILE): the caller's, or a private temp copy.
  let tempDir: string | undefined;
  let promptFile = prompt.file;
  if (promptFile === undefined) {
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'ccglm-prompt-'));
    promptFile = path.join(tempDir, 'prompt.md');
    writeFileSync(promptFile, prompt.text, { mode: 0o600 });
  }
  try {
    // On Anthropic's API CC_GLM_MODEL (a z.ai model) and CC_GLM_BASE_URL do not apply: Claude Code
    // reads its own ANTHROPIC_MODEL and ANTHROPIC_BASE_URL.
    const model =
      options.model ??
      (anthropic ? '' : orDefault(io.env['CC_GLM_MODEL'], profile.defaultModel ?? ''));
    const baseUrl = anthropic
      ? orDefault(io.env['ANTHROPIC_BASE_URL'], ANTHROPIC_BASE_URL)
      : orDefault(io.env['CC_GLM_BASE_URL'], DEFAULT_BASE_URL);
    const plan = planLaunch(profile, {
      ...(model !== '' ? { model } : {}),
      ...(auth.token !== undefined ? { token: auth.token } : {}),
      baseUrl,
      timeoutMs: orDefault(io.env['CC_GLM_TIMEOUT_MS'], DEFAULT_TIMEOUT_MS),
      promptFile,
      nodePath: process.execPath,
      demoAgent: demoAgentScript,
      isRoot: io.isRoot,
    });
    return await launch({
      plan: { ...plan, file: executable },
      profile,
      prompt: prompt.text,
      promptFile,
      // What the agent will use: Claude Code reads ANTHROPIC_MODEL itself (a run's --model).
      model: anthropic && model === '' ? orDefault(io.env['ANTHROPIC_MODEL'], '') : model,
      auth,
      baseUrl,
      io,
    });
  } finally {
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  }
}

interface LaunchArgs {
  plan: { file: string; args: string[]; env: Record<string, string> };
  profile: AgentProfile;
  prompt: string;
  /** The prompt's file: the agent's stdin in a terminal (a file, not a pipe fed from here). */
  promptFile: string;
  model: string;
  auth: { source: string };
  baseUrl: string;
  io: HeadlessIO;
}

/** How a started agent is told of a signal and sends its output (pipes or a terminal). */
interface Started {
  kill: (signal: NodeJS.Signals) => void;
}

interface AgentEvents {
  output: (target: NodeJS.WritableStream) => (chunk: Buffer | string) => void;
  spawned: (pid: number) => void;
  failed: (message: string) => void;
  exited: (exitCode: number, signal: number | undefined) => void;
}

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

function launch(args: LaunchArgs): Promise<number> {
  const { profile, model, auth, baseUrl, io } = args;
  return new Promise((resolve) => {
    if (io.mayLaunch?.() === false) {
      io.stderr.write(`${TAG} not launched: the job was stopped\n`);
      resolve(143);
      return;
    }
    // Keep the tail of the output to explain a failure (401, 429) in one clear line at the end.
    let tail = '';
    let handlers: (readonly [NodeJS.Signals, () => void])[] = [];
    const events: AgentEvents = {
      output: (target) => (chunk) => {
        target.write(chunk);
        tail = (tail + chunk.toString()).slice(-16_384);
      },
      spawned: (pid) => {
        io.onSpawn?.(pid);
        const ts = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        io.stderr.write(
          `${TAG} LAUNCH_OK ts=${ts} model=${model === '' ? '-' : model} auth_source=${auth.source} agent=${profile.name} pid=${pid}\n`,
        );
      },
      failed: (message) => {
        io.stderr.write(`${TAG} ERROR: cannot start ${profile.name} agent: ${message}\n`);
        resolve(1);
      },
      exited: (code, signal) => {
        for (const [name, handler] of handlers) process.off(name, handler);
        io.onExit?.(code, signal);
        const exitCode = signal !== undefined ? 128 + signal : code;
        if (exitCode !== 0) {
          const explanation = explainAgentFailure(tail, { baseUrl, now: new Date() });
          if (explanation !== undefined) io.stderr.write(`${explanation}\n`);
        }
        resolve(exitCode);
      },
    };
    const started =
      io.terminal !== undefined
        ? startInTerminal(args, io.terminal, events)
        : startOnPipes(args, events);
    // A job host signals the agent's process group itself; standalone, headless passes signals on.
    if (io.onSpawn === undefined) {
      handlers = FORWARDED.map((signal) => [signal, () => started.kill(signal)] as const);
      for (const [signal, handler] of handlers) process.on(signal, handler);
    }
  });
}

function startOnPipes({ plan, profile, prompt, io }: LaunchArgs, events: AgentEvents): Started {
  const child = spawn(plan.file, plan.args, {
    cwd: io.cwd,
    env: { ...io.env, ...plan.env } as NodeJS.ProcessEnv,
    stdio: [profile.prompt === 'stdin' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: io.onSpawn !== undefined,
  });
  child.stdout?.on('data', events.output(io.stdout));
  child.stderr?.on('data', events.output(io.stderr));
  child.stdin?.on('error', () => undefined); // an agent that exits without reading stdin
  child.stdin?.end(prompt);
  child.on('spawn', () => events.spawned(child.pid as number));
  child.on('error', (error) => events.failed(error.message));
  child.on('close', (code, signal) =>
    events.exited(code ?? 1, signal ? os.constants.signals[signal] : undefined),
  );
  return { kill: (signal) => child.kill(signal) };
}

/**
 * The agent alone in the terminal: a shell opens the prompt file as stdin and execs the agent, so
 * the terminal's process is the agent (its pid, its own session) and nothing sits between them.
 * The prompt's path and the agent's argv are the shell's arguments, never parsed as shell text.
 */
function startInTerminal(
  { plan, profile, promptFile, io }: LaunchArgs,
  terminal: Terminal,
  events: AgentEvents,
): Started {
  let pid: number | undefined;
  terminal({
    file: plan.file,
    args: plan.args,
    stdin: profile.prompt === 'stdin' ? promptFile : '/dev/null',
    cwd: io.cwd,
    env: { ...io.env, ...plan.env } as NodeJS.ProcessEnv,
    onData: events.output(io.stdout),
    onExit: events.exited,
  }).then(
    (started) => {
      pid = started;
      events.spawned(started);
    },
    (error: unknown) => events.failed(error instanceof Error ? error.message : String(error)),
  );
  return {
    kill: (signal) => {
      if (pid !== undefined) process.kill(pid, signal);
    },
  };
}
