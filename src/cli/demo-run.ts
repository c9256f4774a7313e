import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findExecutable } from '../agent/find-executable.js';
import { CcglmError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { gitOrThrow } from '../run/git.js';
import { runFromCli } from './run-cli.js';
import type { RunArgs } from './commands/run.js';

/** Creates the demo repository and plan, then runs the real `ccglm run` on them with the demo agent. */
export async function runDemo(dir: string | undefined, json: boolean): Promise<number> {
  const root =
    dir !== undefined ? path.resolve(dir) : mkdtempSync(path.join(tmpdir(), 'ccglm-demo-'));
  if (existsSync(root) && readdirSync(root).length > 0)
    throw new CcglmError(`${root} is not empty; give a new or empty folder for the demo`, 1);
  const fixtures = path.join(packageRoot, 'fixtures', 'demo');
  const repo = path.join(root, 'greeter');
  // Not recursive: the folder above exists (checked with DIR), and a recursive mkdir can spin on
  // paths such as /proc/x instead of failing.
  try {
    if (!existsSync(root)) mkdirSync(root);
    mkdirSync(repo);
  } catch (error) {
    throw new CcglmError(`cannot create the demo in ${root}: ${(error as Error).message}`, 1);
  }
  cpSync(path.join(fixtures, 'repo'), repo, { recursive: true });
  await gitOrThrow(repo, ['init', '-q', '-b', 'main']);
  await gitOrThrow(repo, ['config', 'user.name', 'ccglm demo']);
  await gitOrThrow(repo, ['config', 'user.email', 'demo@ccglm.invalid']);
  await gitOrThrow(repo, ['add', '-A']);
  await gitOrThrow(repo, ['commit', '-q', '-m', 'greeter: initial commit']);
  const plan = path.join(root, 'demo-plan.md');
  cpSync(path.join(fixtures, 'demo-plan.md'), plan);
  const say = (text: string) => (json ? process.stderr : process.stdout).write(text);
  say(
    `ccglm demo: the demo repository is ${repo}, the plan ${plan}; the agent is the offline demo agent (no API key needed)\n\n`,
  );
  const demo: RunArgs = {
    plan,
    'dry-run': false,
    strategy: 'waves',
    concurrency: '3',
    continue: 'dependencies-successful',
    agent: 'demo',
    'log-dir': path.join(root, 'jobs'),
    'worktree-root': path.join(root, 'worktrees'),
    isolation: 'task',
    repos: root,
    resume: false,
    detach: false,
    push: false,
    json,
    pty: true,
    'stall-minutes': 20,
  };
  // Every setting is the demo's own: none comes from a ccglm.config.json above the demo folder.
  const { exitCode: code } = await runFromCli(demo, new Set(Object.keys(demo)));
  say(
    [
      '',
      'Look at:',
      `  cat ${plan}                     # status, log and files edited, filled in`,
      `  git -C ${repo} log --oneline --graph feature-demo   # the integration branch with each task merged`,
      `  ${selfCommand()} job status --log-dir ${path.join(root, 'jobs')}`,
      `  ${selfCommand()} report ${plan} -o ${path.join(root, 'report.html')}   # timeline and metrics`,
      '',
    ].join('\n'),
  );
  return code;
}

/** How the user calls this ccglm: `ccglm` when that name on PATH is this install, else its path. */
function selfCommand(): string {
  const bin = path.join(packageRoot, 'bin', 'ccglm.js');
  const found = findExecutable('ccglm', process.env['PATH'] ?? '', process.cwd());
  try {
    if (found !== undefined && realpathSync(found) === realpathSync(bin)) return 'ccglm';
  } catch {
    // not readable: the full path below works whatever PATH says
  }
  return `node ${bin}`;
}
