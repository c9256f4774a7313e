import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { branchState } from '../../src/run/git.js';
import { Workspace } from '../../src/run/workspace.js';
import type { TaskWorkspace } from '../../src/run/worktree-pool.js';

let dir: string;
let repo: { name: string; path: string };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

/** What an agent does: write a file in its worktree and commit it. */
function commitIn(ws: TaskWorkspace, file: string, text = `${file}\n`): void {
  writeFileSync(path.join(ws.worktree, file), text);
  git(ws.worktree, 'add', file);
  git(ws.worktree, 'commit', '-q', '-m', `add ${file}`);
}

const filesOn = (ref: string) => git(repo.path, 'ls-tree', '--name-only', ref).split('\n');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccglm-ws-'));
  repo = { name: 'app', path: path.join(dir, 'app') };
  mkdirSync(repo.path);
  git(repo.path, 'init', '-q', '-b', 'main');
  git(repo.path, 'config', 'user.name', 'test');
  git(repo.path, 'config', 'user.email', 'test@example.invalid');
  writeFileSync(path.join(repo.path, 'README.md'), '# app\n');
  git(repo.path, 'add', '-A');
  git(repo.path, 'commit', '-q', '-m', 'init');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Workspace (task isolation, real git)', () => {
  it('merges a task without a worktree of the integration branch: one merge commit per task', async () => {
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t1 = await ws.prepareTask('T1', repo);
    commitIn(t1, 'one.txt');
    const done = await ws.finishTask(t1, 'T1: one');
    expect(done).toMatchObject({ ok: true, filesEdited: ['one.txt'] });
    expect(filesOn('feature-demo')).toContain('one.txt');
    expect(git(repo.path, 'log', '-1', '--format=%s %p', 'feature-demo')).toMatch(
      /^Merge T1: one \w+ \w+$/,
    );
    expect(git(repo.path, 'log', '-1', '--format=%B', 'feature-demo')).toBe('Merge T1: one');
    expect(git(repo.path, 'reflog', '-1', '--format=%gs', 'feature-demo')).toBe(
      'ccglm run: merge into feature-demo',
    );
    expect(existsSync(path.join(dir, 'wt', 'demo', '_integration'))).toBe(false);
    ws.release(t1, done.ok ? done.tip : '');
    await ws.settled();
    expect(existsSync(t1.worktree)).toBe(false);
    expect(git(repo.path, 'branch', '--list', 'feature-demo--T1')).toBe('');
  });

  it('merges through the checkout where the integration branch is checked out, keeping it in step', async () => {
    git(repo.path, 'checkout', '-q', '-b', 'feature-demo');
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t1 = await ws.prepareTask('T1', repo);
    commitIn(t1, 'one.txt');
    expect(await ws.finishTask(t1, 'T1: one')).toMatchObject({ ok: true });
    expect(readFileSync(path.join(repo.path, 'one.txt'), 'utf8')).toBe('one.txt\n');
    expect(git(repo.path, 'status', '--porcelain')).toBe('');
  });

  it('a commit added to the integration branch during the task is kept: the merge goes on top of it', async () => {
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t1 = await ws.prepareTask('T1', repo);
    // Someone else commits to the integration branch meanwhile (ccglm's idea of its tip is stale).
    const other = path.join(dir, 'other');
    git(repo.path, 'worktree', 'add', '-q', other, 'feature-demo');
    writeFileSync(path.join(other, 'human.txt'), 'by hand\n');
    git(other, 'add', 'human.txt');
    git(other, 'commit', '-q', '-m', 'by hand');
    git(repo.path, 'worktree', 'remove', other);
    commitIn(t1, 'one.txt');
    expect(await ws.finishTask(t1, 'T1: one')).toMatchObject({ ok: true });
    expect(filesOn('feature-demo')).toEqual(expect.arrayContaining(['human.txt', 'one.txt']));
  });

  it('pooled worktrees beyond the tasks still to start are removed at once, not at the end', async () => {
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const tasks = await Promise.all(['T1', 'T2', 'T3'].map((id) => ws.prepareTask(id, repo)));
    for (const [i, t] of tasks.entries()) {
      commitIn(t, `f${i}.txt`);
      const done = await ws.finishTask(t, `T${i + 1}`);
      await ws.release(t, done.ok ? done.tip : '');
    }
    // One task (T4) is still to start, without a worktree made ahead: one pooled worktree stays.
    ws.trimPool(repo, ['T4']);
    const until = Date.now() + 10_000;
    const left = () => tasks.filter((t) => existsSync(t.worktree)).length;
    while (left() > 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(left()).toBe(1);
    const t4 = await ws.prepareTask('T4', repo);
    expect(t4.worktree).toBe(path.join(dir, 'wt', 'demo', 'T4', 'app'));
    expect(left()).toBe(0); // the one left was moved to T4's folder, not made anew
    await ws.settled();
  });

  it("a merged task's worktree is reused by the next task (moved, new branch); a dirty one is kept", async () => {
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t1 = await ws.prepareTask('T1', repo);
    const dirty = await ws.prepareTask('T9', repo);
    commitIn(t1, 'one.txt');
    writeFileSync(path.join(t1.worktree, 'build.log'), 'ignored output\n');
    writeFileSync(path.join(repo.path, '.git', 'info', 'exclude'), '*.log\n');
    const done = await ws.finishTask(t1, 'T1: one');
    commitIn(dirty, 'nine.txt');
    const nine = await ws.finishTask(dirty, 'T9: nine');
    writeFileSync(path.join(dirty.worktree, 'left.txt'), 'uncommitted\n');
    // Released (in the background: awaited here), the clean one goes to the pool.
    await ws.release(t1, done.ok ? done.tip : '');
    await ws.release(dirty, nine.ok ? nine.tip : '');
    const t2 = await ws.prepareTask('T2', repo);
    expect(t2.worktree).toBe(path.join(dir, 'wt', 'demo', 'T2', 'app'));
    expect(t2.branch).toBe('feature-demo--T2');
    expect(existsSync(t1.worktree)).toBe(false);
    expect(git(t2.worktree, 'rev-parse', 'HEAD')).toBe(git(repo.path, 'rev-parse', 'feature-demo'));
    expect(git(t2.worktree, 'status', '--porcelain', '--ignored')).toBe('');
    expect(existsSync(path.join(t2.worktree, 'nine.txt'))).toBe(true);
    await ws.settled();
    // The reused worktree's old branch went at the end; the dirty worktree and its branch stay.
    expect(git(repo.path, 'branch', '--list', 'feature-demo--T1')).toBe('');
    expect(existsSync(path.join(dirty.worktree, 'left.txt'))).toBe(true);
    expect(git(repo.path, 'branch', '--list', 'feature-demo--T9')).not.toBe('');
  });

  it('a worktree made ahead moves to the dependency merge when its task starts; unused ones are removed', async () => {
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t1 = await ws.prepareTask('T1', repo);
    ws.prepareAhead('T2', repo);
    ws.prepareAhead('T3', repo);
    commitIn(t1, 'one.txt');
    expect(await ws.finishTask(t1, 'T1: one')).toMatchObject({ ok: true });
    const t2 = await ws.prepareTask('T2', repo);
    expect(existsSync(path.join(t2.worktree, 'one.txt'))).toBe(true);
    expect(t2.base).toBe(git(repo.path, 'rev-parse', 'feature-demo'));
    expect(git(t2.worktree, 'status', '--porcelain')).toBe('');
    // T3 never starts (say its dependency failed): its worktree and branch go at the end.
    await ws.discardAhead();
    await ws.settled();
    expect(existsSync(path.join(dir, 'wt', 'demo', 'T3'))).toBe(false);
    expect(git(repo.path, 'branch', '--list', 'feature-demo--T3')).toBe('');
  });

  it('a worktree made ahead by a run that died is taken over by the next run: same folder and branch', async () => {
    const first = new Workspace('demo', path.join(dir, 'wt'), 'task');
    first.prepareAhead('T2', repo);
    // Wait for it as the dead run did (it was killed before T2 started).
    const stale = await first.prepareTask('T2', repo);
    const next = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t2 = await next.prepareTask('T2', repo);
    expect(t2.worktree).toBe(stale.worktree);
    expect(t2.branch).toBe('feature-demo--T2');
    const worktrees = git(repo.path, 'worktree', 'list', '--porcelain')
      .split('\n')
      .filter((line) => line.startsWith('worktree ') && line.includes('/T2'));
    expect(worktrees).toEqual([`worktree ${t2.worktree}`]);
  });

  it('with a submodule and submodule.recurse set, a worktree made ahead follows a change of the submodule', async () => {
    const lib = path.join(dir, 'lib');
    mkdirSync(lib);
    git(lib, 'init', '-q', '-b', 'main');
    const libCommit = (text: string) => {
      writeFileSync(path.join(lib, 'lib.txt'), text);
      git(lib, 'add', '-A');
      git(
        lib,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.invalid',
        'commit',
        '-q',
        '-m',
        text,
      );
      return git(lib, 'rev-parse', 'HEAD');
    };
    libCommit('lib\n');
    git(repo.path, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'lib');
    git(repo.path, 'commit', '-q', '-m', 'lib as a submodule');
    git(repo.path, 'config', 'submodule.recurse', 'true');
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t1 = await ws.prepareTask('T1', repo);
    ws.prepareAhead('T2', repo);
    // T1 moves the submodule on (a new commit of lib), which T2's worktree then has to follow.
    const next = libCommit('lib 2\n');
    git(t1.worktree, 'update-index', '--cacheinfo', `160000,${next},lib`);
    commitIn(t1, 'one.txt');
    expect(await ws.finishTask(t1, 'T1: one')).toMatchObject({ ok: true });
    const t2 = await ws.prepareTask('T2', repo);
    expect(t2.worktree).toBe(path.join(dir, 'wt', 'demo', 'T2', 'app'));
    expect(existsSync(path.join(t2.worktree, 'one.txt'))).toBe(true);
    expect(git(t2.worktree, 'ls-files', '--stage', 'lib')).toContain(next);
    await ws.settled();
  });

  it('no commits: the task is not merged; a conflict names the file and merges nothing', async () => {
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const t1 = await ws.prepareTask('T1', repo);
    const t2 = await ws.prepareTask('T2', repo);
    const t3 = await ws.prepareTask('T3', repo);
    expect(await ws.finishTask(t1, 'T1')).toMatchObject({ ok: false, reason: /no commits/ });
    commitIn(t2, 'same.txt', 'from T2\n');
    commitIn(t3, 'same.txt', 'from T3\n');
    expect(await ws.finishTask(t2, 'T2')).toMatchObject({ ok: true });
    const before = git(repo.path, 'rev-parse', 'feature-demo');
    expect(await ws.finishTask(t3, 'T3')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/merge conflict in same\.txt/),
    });
    expect(git(repo.path, 'rev-parse', 'feature-demo')).toBe(before);
  });

  it('merges asked for together go as one batch: a merge commit each, the branch moved once per batch, a conflict or no commits failing only its task', async () => {
    const ws = new Workspace('demo', path.join(dir, 'wt'), 'task');
    const tasks = await Promise.all(
      ['T1', 'T2', 'T3', 'T4', 'T5'].map((id) => ws.prepareTask(id, repo)),
    );
    const [t1, t2, t3, t4, t5] = tasks as [
      TaskWorkspace,
      TaskWorkspace,
      TaskWorkspace,
      TaskWorkspace,
      TaskWorkspace,
    ];
    commitIn(t1, 'one.txt');
    commitIn(t2, 'same.txt', 'from T2\n');
    commitIn(t3, 'same.txt', 'from T3\n');
    commitIn(t5, 'five.txt');
    const before = git(repo.path, 'rev-parse', 'feature-demo');
    // T1's merge starts at once (a batch of one); T5's dependents wait for it (awaited): its merge
    // goes next, before T2–T4, which then go together in one batch.
    const done = await Promise.all([
      ws.finishTask(t1, 'T1: one', false),
      ws.finishTask(t2, 'T2: two', false),
      ws.finishTask(t3, 'T3: three', false),
      ws.finishTask(t4, 'T4: four', false),
      ws.finishTask(t5, 'T5: five', true),
    ]);
    expect(done.map((d) => (d.ok ? 'ok' : d.reason.split(' (')[0]))).toEqual([
      'ok',
      'ok',
      'merge conflict in same.txt',
      'no commits: the agent exited 0 but committed nothing',
      'ok',
    ]);
    expect(git(repo.path, 'log', '--first-parent', '--format=%s', `${before}..feature-demo`)).toBe(
      ['Merge T2: two', 'Merge T5: five', 'Merge T1: one'].join('\n'),
    );
    // Each merge commit's second parent is its task's work; the branch moved once per batch.
    expect(git(repo.path, 'rev-parse', 'feature-demo^2')).toBe(
      git(repo.path, 'rev-parse', t2.branch),
    );
    expect(
      git(repo.path, 'reflog', '--format=%gs', 'feature-demo')
        .split('\n')
        .filter((l) => l.startsWith('ccglm run:')),
    ).toHaveLength(3);
    expect(filesOn('feature-demo')).toEqual(['README.md', 'five.txt', 'one.txt', 'same.txt']);
    expect(readFileSync(path.join(t3.worktree, 'same.txt'), 'utf8')).toBe('from T3\n');
  });
});

describe('branchState (git for-each-ref)', () => {
  it("gives a branch's tip and where it is checked out; nothing for a branch that does not exist", async () => {
    git(repo.path, 'worktree', 'add', '-q', '-b', 'linked', path.join(dir, 'linked'));
    git(repo.path, 'branch', 'free');
    const head = git(repo.path, 'rev-parse', 'HEAD');
    expect(await branchState(repo.path, 'main')).toEqual({ tip: head, worktree: repo.path });
    expect(await branchState(repo.path, 'linked')).toEqual({
      tip: head,
      worktree: path.join(dir, 'linked'),
    });
    expect(await branchState(repo.path, 'free')).toEqual({ tip: head, worktree: undefined });
    expect(await branchState(repo.path, 'none')).toEqual({ tip: undefined, worktree: undefined });
  });
});
