import path from 'node:path';

/** `ccglm run` over a benchmark folder (repo, jobs and worktrees in `dir`), unlimited concurrency. */
export function ccglmRunArgs({ bin, plan, dir, strategy, agentCmd, flags = [] }) {
  return [
    bin,
    'run',
    plan,
    '--json',
    ...flags,
    '--strategy',
    strategy,
    '--concurrency',
    'unlimited',
    '--agent-cmd',
    agentCmd,
    '--repos',
    dir,
    '--log-dir',
    path.join(dir, 'jobs'),
    '--worktree-root',
    path.join(dir, 'wt'),
  ];
}
