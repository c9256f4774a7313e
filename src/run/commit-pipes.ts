/**
 * Two long-lived git processes of one repository that write a run's merge commits and move its
 * integration branch: `git hash-object --stdin-paths -w -t commit` and `git update-ref --stdin`
 * (compare-and-swap transactions). A merge then starts one git process (its merge-tree), not three:
 * at a level of a wide plan a dozen tasks end together and their merges go one at a time, so each
 * start-up saved is saved a dozen times over on the way to the next level.
 *
 * git still writes the objects and refs (its formats, checks, locks and reflog); this module only
 * spells the commit as `git commit-tree` would: tree, parents, author and committer (`git var`, the
 * date made fresh unless GIT_*_DATE fixes it), message. Where commit-tree would do more (signing,
 * another commit encoding) `open` answers undefined and the caller runs commit-tree.
 */
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isObjectId } from './git-objects.js';
import { git, gitEnv } from './git.js';
import { PipeProcess } from './pipe-process.js';

let files = 0;

export class CommitPipes {
  private readonly objects: PipeProcess;
  private readonly refs: PipeProcess;
  /**
   * The commit's text goes through this file (hash-object reads paths), one commit at a time; it
   * exists only while git reads it, so nothing is left behind by a run that dies.
   */
  private readonly file = path.join(os.tmpdir(), `ccglm-commit-${process.pid}-${(files += 1)}.txt`);
  private last: Promise<unknown> = Promise.resolve();

  private constructor(
    repoPath: string,
    private readonly author: Ident,
    private readonly committer: Ident,
    reflogMessage: string,
  ) {
    const options = { cwd: repoPath, env: gitEnv() };
    this.objects = new PipeProcess(
      'git',
      ['hash-object', '--stdin-paths', '-w', '-t', 'commit'],
      options,
    );
    this.refs = new PipeProcess('git', ['update-ref', '-m', reflogMessage, '--stdin'], options);
  }

  /** Undefined when commits here need `git commit-tree` (no identity, signing, another encoding). */
  static async open(repoPath: string, reflogMessage: string): Promise<CommitPipes | undefined> {
    const [author, committer, config] = await Promise.all([
      git(repoPath, ['var', 'GIT_AUTHOR_IDENT']),
      git(repoPath, ['var', 'GIT_COMMITTER_IDENT']),
      git(repoPath, ['config', '--get-regexp', '^(commit\\.gpgsign|i18n\\.commitencoding)$']),
    ]);
    const authorIdent = parseIdent(author.stdout, 'GIT_AUTHOR_DATE');
    const committerIdent = parseIdent(committer.stdout, 'GIT_COMMITTER_DATE');
    if (!author.ok || !committer.ok || authorIdent === undefined || committerIdent === undefined)
      return undefined;
    if (!plainCommits(config.stdout)) return undefined;
    return new CommitPipes(repoPath, authorIdent, committerIdent, reflogMessage);
  }

  /** Writes a commit; undefined when git would not (the caller falls back to commit-tree). */
  commit(tree: string, parents: string[], message: string): Promise<string | undefined> {
    const text = commitText(tree, parents, this.author, this.committer, message, new Date());
    const written = this.last.then(async () => {
      writeFileSync(this.file, text);
      const answer = await this.objects
        .askLines(`${this.file}\n`, 1)
        .finally(() => rmSync(this.file, { force: true }));
      const id = answer.ok ? answer.value[0] : undefined;
      return isObjectId(id) ? id : undefined;
    });
    this.last = written.catch(() => undefined);
    return written.catch(() => undefined);
  }

  /** Moves `ref` from `from` to `to`; false when it was not at `from` (or git refused). */
  async moveRef(ref: string, to: string, from: string): Promise<boolean> {
    const answer = await this.refs.askLines(
      `start\nupdate ${ref} ${to} ${from}\nprepare\ncommit\n`,
      3,
    );
    return answer.ok && answer.value.at(-1) === 'commit: ok';
  }

  close(): void {
    this.objects.close();
    this.refs.close();
    rmSync(this.file, { force: true });
  }
}

/** A person line of a commit: `Name <email>`, and the date when GIT_*_DATE fixes it. */
export interface Ident {
  person: string;
  /** `seconds tz` as given; undefined: now, in the local timezone. */
  fixedDate: string | undefined;
}

/** `Name <email> 1700000000 +0100` (git var) -> Ident; undefined when it is not that. */
export function parseIdent(line: string, dateVariable: string): Ident | undefined {
  const match = /^(.*>) (\d+) ([+-]\d{4})$/.exec(line.trim());
  if (match === null) return undefined;
  const [, person, seconds, tz] = match as unknown as [string, string, string, string];
  const fixed = gitEnv()[dateVariable] !== undefined && gitEnv()[dateVariable] !== '';
  return { person, fixedDate: fixed ? `${seconds} ${tz}` : undefined };
}

/** What `git commit-tree TREE -p A -p B -m MESSAGE` writes. */
export function commitText(
  tree: string,
  parents: string[],
  author: Ident,
  committer: Ident,
  message: string,
  now: Date,
): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const person = (ident: Ident) =>
    `${ident.person} ${ident.fixedDate ?? `${seconds} ${tzOf(now)}`}`;
  return [
    `tree ${tree}`,
    ...parents.map((parent) => `parent ${parent}`),
    `author ${person(author)}`,
    `committer ${person(committer)}`,
    '',
    // commit-tree ends the message with a newline unless it has one.
    message.endsWith('\n') ? message : `${message}\n`,
  ].join('\n');
}

/** The local timezone at `date` as git writes it (`+0100`): right across a change of summer time. */
export function tzOf(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const abs = Math.abs(minutes);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${minutes < 0 ? '-' : '+'}${hhmm}`;
}

/** No signing and UTF-8 messages (`git config --get-regexp` lines): commit-tree adds nothing. */
export function plainCommits(configLines: string): boolean {
  for (const line of configLines.split('\n')) {
    const space = line.indexOf(' ');
    const key = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    const value = (space < 0 ? 'true' : line.slice(space + 1)).trim().toLowerCase();
    if (key === 'commit.gpgsign' && !['false', 'no', 'off', '0'].includes(value)) return false;
    if (key === 'i18n.commitencoding' && !['utf-8', 'utf8'].includes(value)) return false;
  }
  return true;
}
