import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCommit, parseTree } from '../../src/run/git-objects.js';
import { gitEnv } from '../../src/run/git.js';
import { disjoint, TreeMerger, type Change } from '../../src/run/tree-merge.js';
import { Workspace, type TaskWorkspace } from '../../src/run/workspace.js';
import { initRepo } from './helpers.js';

let dir: string;
let repo: { name: string; path: string };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccglm-tree-'));
  repo = { name: 'app', path: path.join(dir, 'app') };
  initRepo(repo.path);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes (or, with `undefined`, deletes) files in a worktree and commits them. */
function commitFiles(cwd: string, files: Record<string, string | undefined>, message = 'work') {
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(cwd, file);
    if (text === undefined) unlinkSync(full);
    else {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }
  git(cwd, 'add', '-A');
  git(cwd, 'commit', '-q', '--allow-empty', '-m', message);
}

const change = (p: string): Change => ({ path: p.split('/'), mode: '100644', id: 'x' });

describe('tree and commit objects', () => {
  it('parses a tree as git wrote it, and a commit header', () => {
    commitFiles(repo.path, { 'a b.txt': 'x\n', 'd/e.txt': 'y\n', 'run.sh': '#!/bin/sh\n' });
    git(repo.path, 'update-index', '--chmod=+x', 'run.sh');
    git(repo.path, 'commit', '-q', '-m', 'exec');
    const tree = git(repo.path, 'rev-parse', 'HEAD^{tree}');
    const raw = execFileSync('git', ['cat-file', 'tree', tree], { cwd: repo.path });
    const listed = git(repo.path, 'ls-tree', tree)
      .split('\n')
      .map((line) => {
        const [meta, name] = line.split('\t') as [string, string];
        const [mode, , id] = meta.split(' ') as [string, string, string];
        return { mode: mode.replace(/^0+/, ''), name, id };
      });
    expect(parseTree(raw, 20)).toEqual(listed);
    const commit = execFileSync('git', ['cat-file', 'commit', 'HEAD'], { cwd: repo.path });
    expect(parseCommit(commit)).toEqual({
      tree,
      parents: [git(repo.path, 'rev-parse', 'HEAD~1')],
      subject: 'exec',
      plain: true,
    });
    expect(() => parseTree(Buffer.from('100644 a'), 20)).toThrow(/malformed/);
  });

  it('tells changes apart that touch the same path or a folder of it', () => {
    expect(disjoint([change('a.txt'), change('d/x.txt')], new Set(['b.txt', 'd/y.txt']))).toBe(
      true,
    );
    expect(disjoint([change('a.txt')], new Set(['a.txt']))).toBe(false);
    // a file where the other side has a folder, and the other way round
    expect(disjoint([change('d')], new Set(['d/y.txt']))).toBe(false);
    expect(disjoint([change('d/y.txt/z')], new Set(['d/y.txt']))).toBe(false);
    expect(disjoint([], new Set(['a']))).toBe(true);
  });
});

describe('TreeMerger (real git)', () => {
  it('reads what a branch changed since its base, and puts it into another tree as merge-tree would', async () => {
    commitFiles(repo.path, { 'first.txt': 'first\n' }, 'first');
    const base = git(repo.path, 'rev-parse', 'HEAD');
    // A branch from before the base, for a task that merges it later.
    git(repo.path, 'checkout', '-q', '-b', 'old', 'HEAD~1');
    commitFiles(repo.path, { 'old.txt': 'old\n' }, 'old');
    git(repo.path, 'checkout', '-q', 'main');
    git(repo.path, 'branch', 'ours');
    git(repo.path, 'checkout', '-q', '-b', 'task');
    commitFiles(repo.path, { 'src/deep/new.ts': 'new\n', 'README.md': '# changed\n' }, 'one');
    commitFiles(repo.path, { 'src/other.ts': 'other\n' }, 'two');
    git(repo.path, 'checkout', '-q', 'ours');
    commitFiles(repo.path, { 'src/mine.ts': 'mine\n', 'lib/x.ts': 'x\n' }, 'ours');
    const merger = new TreeMerger(repo.path, gitEnv());
    try {
      const diff = await merger.taskDiff(base, 'task');
      expect(diff).toMatchObject({ fromBase: true, deletes: false });
      expect(diff?.changes.map((c) => c.path.join('/')).sort()).toEqual([
        'README.md',
        'src/deep/new.ts',
        'src/other.ts',
      ]);
      const ours = git(repo.path, 'rev-parse', 'ours^{tree}');
      const tree = await merger.apply(ours, diff?.changes ?? []);
      expect(tree).toBe(git(repo.path, 'merge-tree', '--write-tree', 'ours', 'task'));
      // A deletion of a file the base had, and a history that is not simply off the base, are told.
      git(repo.path, 'checkout', '-q', 'task');
      commitFiles(repo.path, { 'README.md': undefined }, 'delete');
      expect(await merger.taskDiff(base, 'task')).toMatchObject({ deletes: true });
      git(repo.path, 'merge', '-q', '--no-edit', 'old');
      expect(await merger.taskDiff(base, 'task')).toMatchObject({ fromBase: false });
      expect(await merger.taskDiff(base, 'no-such-branch')).toBeUndefined();
      // A file where the tree has a folder: left to git.
      expect(await merger.apply(ours, [change('src')])).toBeUndefined();
    } finally {
      merger.close();
    }
  });
});

/** Files a random task may touch: nested, and some that are a folder for others. */
const PATHS = ['a.txt', 'b.txt', 'd/x.txt', 'd/y.txt', 'd/e/z.txt', 'e', 'e/f.txt', 'README.md'];

const taskArb = fc.record({
  /** Started after how many of the earlier tasks were merged (it starts from that tip). */
  after: fc.nat(),
  edits: fc.array(
    fc.record({
      path: fc.constantFrom(...PATHS),
      text: fc.option(fc.constantFrom('one\n', 'two\n', 'one\ntwo\n'), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe('what a task did, read without git log or git diff', () => {
  it('lists its commits and files as git log and git diff --name-only do', async () => {
    commitFiles(repo.path, { 'a/old.txt': 'old\n', 'gone.txt': 'bye\n', 'z.txt': 'z\n' }, 'setup');
    const base = git(repo.path, 'rev-parse', 'HEAD');
    git(repo.path, 'checkout', '-q', '-b', 'task');
    commitFiles(
      repo.path,
      { 'a.txt': '1\n', 'a/b/c.txt': '2\n', 'a-b': '3\n' },
      'Add files\nacross lines\n\nBody',
    );
    commitFiles(repo.path, { 'gone.txt': undefined, 'a/old.txt': 'new\n' }, '  Second: édit\n');
    commitFiles(repo.path, { 'É.txt': 'x\n' }, 'third');
    const merger = new TreeMerger(repo.path, gitEnv());
    try {
      const diff = await merger.taskDiff(base, 'task');
      expect(diff?.commits).toEqual(
        git(repo.path, 'log', '--format=%h %s', `${base}..task`).split('\n'),
      );
      expect(diff?.files).toEqual(
        git(repo.path, '-c', 'core.quotePath=false', 'diff', '--name-only', `${base}...task`).split(
          '\n',
        ),
      );
      // A merge in its history: git log is asked for the commits.
      git(repo.path, 'checkout', '-q', '-b', 'side', base);
      commitFiles(repo.path, { 'side.txt': 's\n' }, 'side');
      git(repo.path, 'checkout', '-q', 'task');
      git(repo.path, 'merge', '-q', '--no-edit', 'side');
      expect(await merger.taskDiff(base, 'task')).toMatchObject({
        fromBase: true,
        commits: undefined,
      });
    } finally {
      merger.close();
    }
  });
});

describe('merges into the integration branch, made here or by git', () => {
  it('every merge commit has the tree git merge-tree gives for its parents (random tasks)', async () => {
    let here = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(taskArb, { minLength: 2, maxLength: 6 }), async (tasks) => {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
        initRepo(repo.path);
        const ws = new Workspace('p', path.join(dir, 'wt'), 'task');
        const started: { ws: TaskWorkspace; n: number }[] = [];
        let merged = 0;
        const finish = async (n: number, task: TaskWorkspace) => {
          const done = await ws.finishTask(task, `T${n}`);
          if (done.ok) merged += 1;
        };
        for (const [n, task] of tasks.entries()) {
          // Earlier tasks are merged until this one's start point, in the order they started.
          while (started.length > 0 && merged + started.length > task.after) {
            const next = started.shift() as { ws: TaskWorkspace; n: number };
            await finish(next.n, next.ws);
          }
          const prepared = await ws.prepareTask(`T${n}`, repo);
          const files: Record<string, string | undefined> = {};
          for (const edit of task.edits) files[edit.path] = edit.text;
          try {
            for (const [file, text] of Object.entries(files)) {
              const full = path.join(prepared.worktree, file);
              if (text === undefined) rmSync(full, { recursive: true, force: true });
              else {
                rmSync(full, { recursive: true, force: true });
                mkdirSync(path.dirname(full), { recursive: true });
                writeFileSync(full, text);
              }
            }
          } catch {
            // a path whose folder is a file here: the edit is skipped
          }
          git(prepared.worktree, 'add', '-A');
          git(prepared.worktree, 'commit', '-q', '--allow-empty', '-m', `T${n}`);
          started.push({ ws: prepared, n });
        }
        for (const next of started) await finish(next.n, next.ws);
        here += ws.integration.treesMade.here;
        // Each merge commit on the branch: its tree is git's merge of its two parents.
        const merges = git(repo.path, 'log', '--merges', '--format=%H %T %P', 'feature-p');
        for (const line of merges.split('\n').filter(Boolean)) {
          const [, tree, ours, theirs] = line.split(' ') as [string, string, string, string];
          expect(tree).toBe(git(repo.path, 'merge-tree', '--write-tree', ours, theirs));
        }
        await ws.settled();
      }),
      { numRuns: 25 },
    );
    // The property covered merges made here, not only git's.
    expect(here).toBeGreaterThan(5);
  }, 120_000);
});
