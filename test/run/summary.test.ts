import { describe, expect, it } from 'vitest';
import { shellQuote, summariseRun, type BranchFacts } from '../../src/run/summary.js';

const repo = { name: 'app', path: '/r/app' };
const facts = Promise.resolve(
  new Map<string, BranchFacts>([
    [
      '/r/app',
      {
        log: {
          ok: true,
          code: 0,
          signal: null,
          command: 'git log',
          stdout: 'abc Merge T1\n',
          stderr: '',
        },
        remote: {
          ok: true,
          code: 0,
          signal: null,
          command: 'git remote',
          stdout: 'origin\n',
          stderr: '',
        },
      },
    ],
  ]),
);

function summary(extra: Partial<Parameters<typeof summariseRun>[0]>) {
  return summariseRun({
    tasks: [
      { id: 'T1', state: 'completed', wave: 0 },
      { id: 'T2', state: 'completed', wave: 0 },
    ],
    ended: new Map([['T1', { status: 'Completed', commits: ['abc T1'] }]]),
    repos: [repo],
    integrationBranch: 'feature-p',
    prTitle: 'p: Plan',
    planPath: '/r/p-plan.md',
    push: false,
    warnings: [],
    facts,
    ...extra,
  });
}

describe('run summary', () => {
  it('a task the plan defers is shown skipped, as the plan says, not completed', async () => {
    const { text } = await summary({ skippedInPlan: new Map([['T2', 'Deferred']]) });
    expect(text).toContain('  T2       Skipped (the plan says Deferred)\n');
    expect(text).toContain('  PR:   cd /r/app && gh pr create --head feature-p');
  });

  it('a run of part of the plan (--only) offers no push or PR while the rest is not done', async () => {
    const part = await summary({
      tasks: [
        { id: 'T1', state: 'completed', wave: 0 },
        { id: 'T2', state: 'skipped', wave: 0 },
      ],
    });
    expect(part.text).not.toContain('gh pr create');
    expect(part.text).toContain(
      '  not ready to push: 1 task(s) not in this run (--only/--from) are not completed yet; ccglm run /r/p-plan.md runs them',
    );
  });

  it('push and PR commands only after a clean run; otherwise what to type', async () => {
    const failed = await summary({
      tasks: [{ id: 'T1', state: 'failed', wave: 0 }],
      ended: new Map([['T1', { status: 'Failed', commits: [] }]]),
      interrupted: 'SIGINT',
      agent: { agent: 'demo' },
    });
    expect(failed.text).not.toContain('gh pr create');
    expect(failed.text).not.toMatch(/^ {2}push: git/m);
    // The re-run names the agent this run used: typed as printed, it starts no other (paid) one.
    expect(failed.text).toContain(
      '  not ready to push: 1 task(s) not completed (interrupted by SIGINT); see their log in /r/p-plan.md, then ccglm run /r/p-plan.md --agent demo (Completed tasks are not run again)',
    );
    const detached = await summary({
      tasks: [{ id: 'T1', state: 'running', wave: 0 }],
      ended: new Map(),
      leftRunning: new Set(['T1']),
    });
    expect(detached.text).toContain('  T1       In Progress (left running: --detach)\n');
    expect(detached.text).toContain(
      '  not ready to push: 1 job(s) still running; ccglm run --resume /r/p-plan.md adopts them and finishes the plan',
    );
  });
});

describe('shellQuote', () => {
  it('leaves plain words alone and single-quotes the rest, so a pasted command runs nothing', () => {
    expect(shellQuote('/tmp/a-plan.md')).toBe('/tmp/a-plan.md');
    expect(shellQuote('demo: Fix `rm -rf ~` $(id)')).toBe("'demo: Fix `rm -rf ~` $(id)'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
