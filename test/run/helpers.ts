import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePlan } from '../../src/plan/parse.js';
import { patchPlan } from '../../src/plan/patch.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = path.join(root, 'bin', 'ccglm.js');
const fakeAgentScript = fileURLToPath(new URL('./fake-agent.sh', import.meta.url));
export const fakeAgent = `/bin/sh ${fakeAgentScript}`;

export interface Sandbox {
  dir: string;
  repo: string;
  plan: string;
  logDir: string;
  worktrees: string;
  marks: string;
  /** The runs' HOME (empty): their per-user state (locks, run state) goes under it. */
  home: string;
  cleanup(): void;
}

/** A git repository at `repo` (made) on `main` with one commit (README.md), committer `name`. */
export function initRepo(repo: string, name = 'test'): void {
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', name);
  git('config', 'user.email', 'test@example.invalid');
  writeFileSync(path.join(repo, 'README.md'), '# app\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
}

/** A temp folder with a git repo `app` (one commit) and a plan beside it. */
export function makeSandbox(planText: string): Sandbox {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-run-'));
  const repo = path.join(dir, 'app');
  initRepo(repo);
  const plan = path.join(dir, 'test-plan.md');
  writeFileSync(plan, planText);
  const marks = path.join(dir, 'marks');
  mkdirSync(marks);
  const home = path.join(dir, 'home');
  mkdirSync(home);
  return {
    dir,
    repo,
    plan,
    logDir: path.join(dir, 'jobs'),
    worktrees: path.join(dir, 'wt'),
    marks,
    home,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function runArgs(sb: Sandbox, extra: string[] = []): string[] {
  return [
    bin,
    'run',
    sb.plan,
    '--json',
    '--agent-cmd',
    fakeAgent,
    '--repos',
    sb.dir,
    '--log-dir',
    sb.logDir,
    '--worktree-root',
    sb.worktrees,
    '--no-pty',
    ...extra,
  ];
}

/**
 * The environment of a sandbox's runs: this one's, with the sandbox's HOME (no real home is read or
 * written) and without any credential or provider setting of the machine's.
 */
export function sandboxEnv(sb: Sandbox, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(ANTHROPIC_|CC_GLM_|CCGLM_(?!CONFIG_CEILING$)|CLAUDE_|ZAI_|XDG_STATE_HOME$)/.test(key),
    ),
  );
  return { ...clean, HOME: sb.home, FAKE_MARKS: sb.marks, ...env };
}

export function runSync(sb: Sandbox, extra: string[] = [], env: Record<string, string> = {}) {
  return runWith(runArgs(sb, extra), sandboxEnv(sb, env));
}

/** Runs `node ARGS` (the CLI) to its end; its NDJSON events parsed. */
export function runWith(args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env, timeout: 60_000 });
  const events = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          id?: string;
          status?: string;
          reason?: string;
          [k: string]: unknown;
        },
    );
  return { ...result, events };
}

export function spawnRun(sb: Sandbox, extra: string[] = [], env: Record<string, string> = {}) {
  return spawn(process.execPath, runArgs(sb, extra), {
    env: sandboxEnv(sb, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function planTask(id: string, deps: string[], location: string[] = [`${id}.txt`]): string {
  return [
    `### ${id}: Task ${id}`,
    `- **depends_on**: [${deps.join(', ')}]`,
    `- **repo**: app`,
    `- **location**:`,
    ...location.map((l) => `  - ${l}`),
    `- **description**: Do ${id}.`,
    `- **validation**: ${id}.txt exists`,
    `- **status**: Not Started`,
    `- **log**: [empty - agent fills]`,
    `- **files edited**: [empty - agent fills]`,
    '',
  ].join('\n');
}

export function plan(tasks: string[]): string {
  return [
    '# Plan: Test',
    '',
    '## Overview',
    'A test plan.',
    '',
    '## Tasks',
    '',
    ...tasks,
    '## Notes',
    '',
    'Kept as written.',
    '',
  ].join('\n');
}

/** A `claude` in `<sandbox>/bin` that is the fake agent (it records its argv and env). */
export function fakeClaudeBin(sb: Sandbox): string {
  const bin = path.join(sb.dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const file = path.join(bin, 'claude');
  writeFileSync(file, `#!/bin/sh\nexec /bin/sh '${fakeAgentScript}' "$@"\n`);
  chmodSync(file, 0o755);
  return bin;
}

/** Processes whose working folder is under `dir` (from /proc), as `pid command`. */
export function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`))
        found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * A sandbox's processes: working under its folder, or with its FAKE_MARKS in their environment (the
 * run, its job host, whose folder is the system's temp folder, the agents and their git).
 */
export function processesOf(sb: Sandbox): string[] {
  const mark = `FAKE_MARKS=${sb.marks}\0`;
  const found = new Set(processesIn(sb.dir));
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes(mark))
        found.add(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return [...found];
}

/** The sandbox's processes still there after waiting up to `ms` for them to end (a host ends last). */
export async function processesLeft(sb: Sandbox, ms = 5000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = processesOf(sb);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How many times each task's agent started (the fake agent's marks). */
export function runsOf(sb: Sandbox): Record<string, number> {
  return Object.fromEntries(
    readdirSync(sb.marks)
      .filter((f) => f.endsWith('.runs'))
      .map((f) => [
        f.replace('.runs', ''),
        readFileSync(path.join(sb.marks, f), 'utf8').trim().split('\n').length,
      ]),
  );
}
/** T1 and T2, then T3 after both, then T4. */
export const threeWaves = plan([
  planTask('T1', []),
  planTask('T2', []),
  planTask('T3', ['T1', 'T2']),
  planTask('T4', ['T3']),
]);

export function statuses(file: string): Record<string, string> {
  return Object.fromEntries(
    parsePlan(readFileSync(file, 'utf8'), file).plan.tasks.map((t) => [t.id, t.status]),
  );
}

/** Resolves when the NDJSON stream has shown `count` events of `type`. */
export function waitForEvents(
  child: ReturnType<typeof spawnRun>,
  type: string,
  count: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines)
        if (line.includes(`"type":"${type}"`) && ++seen === count) resolve();
    });
    child.on('exit', () => reject(new Error(`run exited before ${count} ${type} events`)));
  });
}
/** Processes still at work under `dir` after up to `ms` (a host exits a moment after its last job). */
export async function processesLeftIn(dir: string, ms = 3000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesIn(dir);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The exit code (or signal) of a child, once it has exited. */
export function exitOf(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
}

/** Everything a child writes to `stream` (collected as it comes). */
export function collect(child: ChildProcess, stream: 'stdout' | 'stderr'): () => string {
  let text = '';
  child[stream]?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** The plan with every task's written fields set back: byte-identical to the original when only they changed. */
export function withoutWriteBack(sb: Sandbox): string {
  const text = readFileSync(sb.plan, 'utf8');
  return patchPlan(
    text,
    parsePlan(text, 'p').plan.tasks.map((task) => ({
      taskId: task.id,
      status: 'Not Started' as const,
      log: '',
      filesEdited: [],
    })),
  );
}

export function filesOn(sb: Sandbox, branch: string): string[] {
  return execFileSync('git', ['ls-tree', '--name-only', branch], { cwd: sb.repo, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();
}
