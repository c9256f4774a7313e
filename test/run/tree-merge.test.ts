import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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
      expect(diff).toMatchObject({ deletes: false });
      // Its history starts at its base: its two commits, and only those.
      expect(diff?.history?.size).toBe(2);
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
      expect((await merger.taskDiff(base, 'task'))?.history).toBeUndefined();
      expect(await merger.taskDiff(base, 'no-such-branch')).toBeUndefined();
      // A file where the tree has a folder: left to git.
      expect(await merger.apply(ours, [change('src')])).toBeUndefined();
    } finally {
      merger.close();
    }
  });
});

/** How many random plans the merge property tries; PROPERTY_RUNS=400 searches longer (~2 min). */
const PROPERTY_RUNS = Number(process.env['PROPERTY_RUNS'] ?? 40);

/** Files a random task may touch: nested, and some that are a folder for others. */
const PATHS = ['a.txt', 'b.txt', 'd/x.txt', 'd/y.txt', 'd/e/z.txt', 'e', 'e/f.txt', 'README.md'];
/** Contents long and alike enough for git to see a moved file as a rename. */
const TEXTS = ['one', 'two', 'three'].map((word) =>
  Array.from({ length: 8 }, (_, i) => (i === 3 ? word : `line ${i}`))
    .join('\n')
    .concat('\n'),
);

const editArb = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    path: fc.constantFrom(...PATHS),
    text: fc.constantFrom(...TEXTS),
  }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({
    kind: fc.constant('move' as const),
    path: fc.constantFrom(...PATHS),
    to: fc.constantFrom(...PATHS),
  }),
  // The agent merges the branch of a task started before it (n-th back).
  fc.record({ kind: fc.constant('merge' as const), back: fc.nat(3) }),
);

const taskArb = fc.record({
  /** Started after how many of the earlier tasks were merged (it starts from that tip). */
  after: fc.nat(),
  /** Those earlier tasks end together (their merges wait in the queue side by side). */
  together: fc.boolean(),
  edits: fc.array(editArb, { minLength: 1, maxLength: 3 }),
});

type Edit = typeof editArb extends fc.Arbitrary<infer T> ? T : never;

/** Does what a random task's agent does in its worktree; what cannot be done here is skipped. */
function act(cwd: string, edit: Edit, branches: string[]): void {
  const full = (file: string) => path.join(cwd, file);
  try {
    if (edit.kind === 'write') {
      rmSync(full(edit.path), { recursive: true, force: true });
      mkdirSync(path.dirname(full(edit.path)), { recursive: true });
      writeFileSync(full(edit.path), edit.text);
    } else if (edit.kind === 'delete') rmSync(full(edit.path), { recursive: true, force: true });
    else if (edit.kind === 'move') {
      mkdirSync(path.dirname(full(edit.to)), { recursive: true });
      git(cwd, 'mv', edit.path, edit.to);
    } else {
      const other = branches[branches.length - 1 - edit.back];
      if (other === undefined) return;
      git(cwd, 'add', '-A');
      git(cwd, 'commit', '-q', '--allow-empty', '-m', 'before merging');
      try {
        git(cwd, 'merge', '-q', '--no-edit', other);
      } catch {
        git(cwd, 'merge', '--abort');
      }
    }
  } catch {
    // a path that is not there, or whose folder is a file here
  }
}

/** Each merge commit on `branch`: its tree is the one git's merge of its two parents gives. */
function expectGitMerges(repoPath: string, branch: string): void {
  const merges = git(repoPath, 'log', '--merges', '--format=%H %T %P', branch);
  for (const line of merges.split('\n').filter(Boolean)) {
    const [, tree, ours, theirs] = line.split(' ') as [string, string, string, string];
    expect(tree).toBe(git(repoPath, 'merge-tree', '--write-tree', ours, theirs));
  }
}

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
      const merged = await merger.taskDiff(base, 'task');
      expect(merged?.history?.size).toBe(5);
      expect(merged?.commits).toBeUndefined();
    } finally {
      merger.close();
    }
  });
});

describe('commit lines and modes as git shows them', () => {
  it("keeps what git keeps of a subject, and lengthens a short id git's way where it is ambiguous", async () => {
    git(repo.path, 'config', 'core.abbrev', '4');
    const base = git(repo.path, 'rev-parse', 'HEAD');
    git(repo.path, 'checkout', '-q', '-b', 'task');
    const messages = ['nbsp at end\u00a0', 'vt\u000b', 'trailing  \nspace  ', '\u00a0\n\nnext'];
    for (const [i, message] of messages.entries())
      commitFiles(repo.path, { 'a.txt': `${i}\n` }, message);
    // A blob whose id starts as the newest commit's: four digits no longer name that commit.
    const tip = git(repo.path, 'rev-parse', 'HEAD');
    let n = 0;
    const id = (text: string) =>
      createHash('sha1')
        .update(`blob ${Buffer.byteLength(text)}\0${text}`)
        .digest('hex');
    while (!id(String(n)).startsWith(tip.slice(0, 4))) n += 1;
    execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.path, input: String(n) });
    const merger = new TreeMerger(repo.path, gitEnv());
    try {
      const diff = await merger.taskDiff(base, 'task');
      // (Not through git(), which trims the output's last line.)
      const log = execFileSync('git', ['log', '--format=%h %s', `${base}..task`], {
        cwd: repo.path,
        encoding: 'utf8',
      });
      expect(diff?.commits).toEqual(log.slice(0, -1).split('\n'));
      expect(diff?.commits?.map((line) => line.split(' ')[0]?.length)).toEqual([5, 4, 4, 4]);
    } finally {
      merger.close();
    }
  });

  it('compares modes as git does (an old 100664 file is an unchanged 100644 one)', async () => {
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: repo.path,
      input: 'old\n',
      encoding: 'utf8',
    }).trim();
    const raw = Buffer.concat([Buffer.from('100664 legacy.txt\0'), Buffer.from(blob, 'hex')]);
    const tree = execFileSync(
      'git',
      ['hash-object', '--literally', '-w', '-t', 'tree', '--stdin'],
      { cwd: repo.path, input: raw, encoding: 'utf8' },
    ).trim();
    const base = git(repo.path, 'commit-tree', tree, '-m', 'legacy');
    git(repo.path, 'checkout', '-q', '-b', 'task', base);
    commitFiles(repo.path, { 't.txt': 't\n' }, 't');
    const merger = new TreeMerger(repo.path, gitEnv());
    try {
      expect((await merger.taskDiff(base, 'task'))?.files).toEqual(['t.txt']);
    } finally {
      merger.close();
    }
  });
});

describe('merges into the integration branch, made here or by git', () => {
  it('a change git merged into a renamed file is not overwritten by a later merge made here', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    commitFiles(repo.path, { 'old.txt': `${lines.join('\n')}\n` }, 'twenty lines');
    const ws = new Workspace('p', path.join(dir, 'wt'), 'task');
    const rename = await ws.prepareTask('R', repo);
    const edit = await ws.prepareTask('D', repo);
    git(rename.worktree, 'mv', 'old.txt', 'new.txt');
    git(rename.worktree, 'commit', '-q', '-m', 'rename');
    commitFiles(edit.worktree, { 'old.txt': `${['D first', ...lines.slice(1)].join('\n')}\n` });
    // Files edited are git diff's: the new name of a renamed file only.
    expect(await ws.finishTask(rename, 'R')).toMatchObject({ ok: true, filesEdited: ['new.txt'] });
    const after = await ws.prepareTask('E', repo);
    commitFiles(after.worktree, { 'new.txt': `${[...lines.slice(0, 19), 'E last'].join('\n')}\n` });
    // git's merge puts D's edit into new.txt; E's, made here or not, must keep it.
    expect(await ws.finishTask(edit, 'D')).toMatchObject({ ok: true, filesEdited: ['old.txt'] });
    expect(await ws.finishTask(after, 'E')).toMatchObject({ ok: true });
    const merged = git(repo.path, 'show', 'feature-p:new.txt').split('\n');
    expect([merged[0], merged.at(-1)]).toEqual(['D first', 'E last']);
    expectGitMerges(repo.path, 'feature-p');
    await ws.settled();
  });

  it("a task whose agent merged another task's branch is merged by git (its base is not the merge base)", async () => {
    commitFiles(repo.path, { 'p.txt': 'base\n' }, 'p');
    const ws = new Workspace('p', path.join(dir, 'wt'), 'task');
    const first = await ws.prepareTask('A', repo);
    const second = await ws.prepareTask('C', repo);
    commitFiles(first.worktree, { 'p.txt': 'A\n' });
    commitFiles(second.worktree, { 'q.txt': 'C\n' });
    git(second.worktree, 'merge', '-q', '--no-edit', first.branch);
    commitFiles(second.worktree, { 'p.txt': 'base\n' }, 'back to base');
    expect(await ws.finishTask(first, 'A')).toMatchObject({ ok: true });
    expect(await ws.finishTask(second, 'C')).toMatchObject({ ok: true });
    expect(git(repo.path, 'show', 'feature-p:p.txt')).toBe('base');
    expectGitMerges(repo.path, 'feature-p');
    await ws.settled();
  });

  it(
    'every merge commit has the tree git merge-tree gives for its parents (random tasks)',
    async () => {
      let here = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(taskArb, { minLength: 2, maxLength: 6 }), async (tasks) => {
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir);
          initRepo(repo.path);
          commitFiles(repo.path, { 'a.txt': TEXTS[0], 'd/x.txt': TEXTS[1] }, 'start');
          const ws = new Workspace('p', path.join(dir, 'wt'), 'task');
          const started: { ws: TaskWorkspace; n: number }[] = [];
          const branches: string[] = [];
          let merged = 0;
          const finish = async (n: number, task: TaskWorkspace) => {
            const done = await ws.finishTask(task, `T${n}`);
            if (done.ok) {
              merged += 1;
              // Files edited, read here or by git diff, are git diff's.
              const files = git(
                repo.path,
                '-c',
                'core.quotePath=false',
                'diff',
                '--name-only',
                `${task.base}...${task.branch}`,
              );
              expect(done.filesEdited).toEqual(files.split('\n').filter(Boolean));
            }
          };
          for (const [n, task] of tasks.entries()) {
            // Earlier tasks are merged until this one's start point, in the order they started:
            // one after another, or ending together.
            const ending = started.splice(0, Math.max(0, merged + started.length - task.after));
            if (task.together) await Promise.all(ending.map((next) => finish(next.n, next.ws)));
            else for (const next of ending) await finish(next.n, next.ws);
            const prepared = await ws.prepareTask(`T${n}`, repo);
            for (const edit of task.edits) act(prepared.worktree, edit, branches);
            git(prepared.worktree, 'add', '-A');
            git(prepared.worktree, 'commit', '-q', '--allow-empty', '-m', `T${n}`);
            started.push({ ws: prepared, n });
            branches.push(prepared.branch);
          }
          await Promise.all(started.map((next) => finish(next.n, next.ws)));
          here += ws.integration.mergedHereCount;
          expectGitMerges(repo.path, 'feature-p');
          await ws.settled();
        }),
        { numRuns: PROPERTY_RUNS },
      );
      // The property covered merges made here, not only git's.
      expect(here).toBeGreaterThan(5);
    },
    Math.max(180_000, PROPERTY_RUNS * 3_000),
  );
});
