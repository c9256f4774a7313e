import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CommitPipes,
  commitText,
  parseIdent,
  plainCommits,
  tzOf,
  type Ident,
} from '../../src/run/commit-pipes.js';
import { initRepo } from './helpers.js';

let dir: string;
let repo: string;
const opened: CommitPipes[] = [];
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: 'pipe' }).trim();

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ccglm-pipes-'));
  repo = path.join(dir, 'app');
  initRepo(repo, 'Ada Lovelace');
});
afterEach(() => {
  for (const pipes of opened.splice(0)) pipes.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<CommitPipes> {
  const pipes = await CommitPipes.open(repo, 'ccglm run: merge into feature-x');
  if (pipes === undefined) throw new Error('expected pipes');
  opened.push(pipes);
  return pipes;
}

/** A second commit on a side branch, to merge. */
function sideCommit(): string {
  git('checkout', '-q', '-b', 'side');
  writeFileSync(path.join(repo, 'side.txt'), 'side\n');
  git('add', 'side.txt');
  git('commit', '-q', '-m', 'side');
  git('checkout', '-q', 'main');
  return git('rev-parse', 'side');
}

describe('CommitPipes (merge commits and branch moves through long-lived git processes)', () => {
  it('writes the very commit `git commit-tree` writes for the same tree, parents, people and date', async () => {
    const pipes = await open();
    const main = git('rev-parse', 'main');
    const side = sideCommit();
    const tree = git('merge-tree', '--write-tree', 'main', 'side');
    const commit = await pipes.commit(tree, [main, side], 'Merge T1: Add side');
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const text = git('cat-file', 'commit', commit as string);
    const date = (role: string) =>
      new RegExp(`^${role} .*> (\\d+ [+-]\\d{4})$`, 'm').exec(text)?.[1];
    // The date is now (within the test's time).
    expect(Math.abs(Number(date('author')?.split(' ')[0]) - Date.now() / 1000)).toBeLessThan(60);
    const again = execFileSync(
      'git',
      ['commit-tree', tree, '-p', main, '-p', side, '-m', 'Merge T1: Add side'],
      {
        cwd: repo,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_DATE: date('author'),
          GIT_COMMITTER_DATE: date('committer'),
        },
      },
    ).trim();
    expect(commit).toBe(again);
    expect(git('fsck', '--no-progress', '--no-dangling', '--strict')).toBe('');
  });

  it('moves a branch only from where it is expected to be, and goes on after a refusal', async () => {
    const pipes = await open();
    const main = git('rev-parse', 'main');
    const side = sideCommit();
    expect(await pipes.moveRef('refs/heads/feature-x', main, '0'.repeat(40))).toBe(true);
    expect(git('rev-parse', 'feature-x')).toBe(main);
    // Someone else moved it: the compare-and-swap fails and nothing changes.
    git('branch', '-f', 'feature-x', side);
    expect(await pipes.moveRef('refs/heads/feature-x', main, main)).toBe(false);
    expect(git('rev-parse', 'feature-x')).toBe(side);
    // git's process died on the refusal; the next move starts another.
    expect(await pipes.moveRef('refs/heads/feature-x', main, side)).toBe(true);
    expect(git('rev-parse', 'feature-x')).toBe(main);
    expect(git('reflog', '-1', '--format=%gs', 'feature-x')).toBe(
      'ccglm run: merge into feature-x',
    );
  });

  it('answers merges one after another in the order asked', async () => {
    const pipes = await open();
    const main = git('rev-parse', 'main');
    const tree = git('rev-parse', 'main^{tree}');
    const ids = await Promise.all(
      ['one', 'two', 'three'].map((m) => pipes.commit(tree, [main], m)),
    );
    expect(ids.map((id) => git('log', '-1', '--format=%s', id as string))).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('is not used where commit-tree would sign commits or write another encoding', async () => {
    git('config', 'commit.gpgSign', 'true');
    expect(await CommitPipes.open(repo, 'm')).toBeUndefined();
    git('config', 'commit.gpgSign', 'false');
    git('config', 'i18n.commitEncoding', 'ISO-8859-1');
    expect(await CommitPipes.open(repo, 'm')).toBeUndefined();
    git('config', 'i18n.commitEncoding', 'UTF-8');
    const pipes = await CommitPipes.open(repo, 'm');
    expect(pipes).toBeDefined();
    pipes?.close();
  });

  it('is not used without an identity (commit-tree then says what is missing)', async () => {
    git('config', 'user.name', '');
    git('config', 'user.email', '');
    git('config', 'user.useConfigOnly', 'true');
    expect(await CommitPipes.open(repo, 'm')).toBeUndefined();
  });
});

describe('the commit text', () => {
  const ada: Ident = { person: 'Ada <ada@example.invalid>', fixedDate: undefined };
  const zone = process.env.TZ;
  beforeEach(() => {
    process.env.TZ = 'Europe/Berlin';
  });
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('spells tree, parents, author, committer and message as git does', () => {
    const text = commitText(
      't'.repeat(40),
      ['a'.repeat(40), 'b'.repeat(40)],
      ada,
      ada,
      'Merge T1: X',
      new Date(1_700_000_000_500),
    );
    expect(text).toBe(
      [
        `tree ${'t'.repeat(40)}`,
        `parent ${'a'.repeat(40)}`,
        `parent ${'b'.repeat(40)}`,
        'author Ada <ada@example.invalid> 1700000000 +0100',
        'committer Ada <ada@example.invalid> 1700000000 +0100',
        '',
        'Merge T1: X',
        '',
      ].join('\n'),
    );
    // The timezone is the one at the commit's date (summer time here), as commit-tree writes it.
    expect(commitText('t', [], ada, ada, 'm\n', new Date(Date.UTC(2026, 6, 1)))).toBe(
      'tree t\nauthor Ada <ada@example.invalid> 1782864000 +0200\ncommitter Ada <ada@example.invalid> 1782864000 +0200\n\nm\n',
    );
    process.env.TZ = 'America/St_Johns';
    expect(tzOf(new Date(Date.UTC(2026, 0, 1)))).toBe('-0330');
  });

  it('keeps a date GIT_*_DATE fixed', () => {
    const fixed = { ...ada, fixedDate: '1234567890 -0500' };
    expect(commitText('t', [], fixed, ada, 'm', new Date(0))).toContain(
      'author Ada <ada@example.invalid> 1234567890 -0500\ncommitter Ada <ada@example.invalid> 0 +0100',
    );
  });

  it('reads git var lines', () => {
    expect(parseIdent('Ada L <ada@x.invalid> 1795787427 +0530\n', 'UNSET_VAR_CCGLM')).toEqual({
      person: 'Ada L <ada@x.invalid>',
      fixedDate: undefined,
    });
    expect(parseIdent('Ada <ada@x> yesterday', 'UNSET_VAR_CCGLM')).toBeUndefined();
  });

  it('knows which settings make commit-tree write something else', () => {
    expect(plainCommits('')).toBe(true);
    expect(plainCommits('commit.gpgsign false\ni18n.commitencoding utf-8')).toBe(true);
    expect(plainCommits('commit.gpgsign true')).toBe(false);
    expect(plainCommits('commit.gpgsign')).toBe(false);
    expect(plainCommits('i18n.commitencoding Shift_JIS')).toBe(false);
  });
});
