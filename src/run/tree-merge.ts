/**
 * Merges done in this process when `git merge-tree` could only come to the same tree: the task's
 * history starts at its base, nothing was deleted on either side since the base (no rename or
 * folder-rename detection comes into play), and no path, nor a folder holding one, was changed on
 * both sides since the base (each changed path is taken from the one side that changed it). The
 * merged tree is then the integration branch's tree with the task's changed entries put in; the
 * property test in test/run/tree-merge.test.ts checks every such merge against merge-tree's. Trees
 * are read through `git cat-file --batch` and written by `git mktree --batch` (which checks every
 * entry it is given); git forks nothing per merge. Every other merge goes to `git merge-tree`
 * (integration.ts).
 *
 * Why: at a level of a wide plan a dozen tasks end together, and their merges into one branch go one
 * after another; a git start-up per merge was most of what the last of them waited for.
 */
import { git } from './git.js';
import { PipeProcess } from './pipe-process.js';
import {
  isObjectId,
  isTree,
  ObjectReader,
  parseCommit,
  parseTree,
  type CommitHeader,
  type TreeEntry,
} from './git-objects.js';

/** An entry a task added or changed: a file, link or submodule, by path. */
export interface Change {
  path: string[];
  mode: string;
  id: string;
}

/** What changed from one tree to another. */
export interface TreeDiff {
  /** Entries added or changed (folders are not listed, their files are). */
  changes: Change[];
  /** Every path added, changed or deleted, in git's order (`git diff --name-only`). */
  files: string[];
  /** Something was deleted (or a folder turned into a file, or back). */
  deletes: boolean;
}

/** What a task's branch changed since its base. */
export interface TaskDiff extends TreeDiff {
  /** The task branch's newest commit. */
  tip: string;
  /**
   * Its commits since the base (`base..tip`), when its history starts at its base: every such
   * commit has only such commits, or the base, as parents. Undefined otherwise.
   */
  history: Set<string> | undefined;
  /**
   * Its commits as `git log --format='%h %s' base..tip` lists them, newest first; undefined when
   * its history is not one line of plainly encoded commits (git log is asked then).
   */
  commits: string[] | undefined;
}

const emptyDiff = (): TreeDiff => ({ changes: [], files: [], deletes: false });

interface TaskCommit {
  id: string;
  subject: string;
}

/** Paths in git's order: byte by byte (a folder's files sort as `name/...`). */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** How far back a task's history is followed before it counts as not simply off its base. */
const MAX_TASK_COMMITS = 200;
/** Trees kept parsed (the integration branch's, mostly); forgotten all at once past this. */
const TREE_CACHE = 5000;

export class TreeMerger {
  private readonly objects: ObjectReader;
  private readonly mktree: PipeProcess;
  private readonly trees = new Map<string, TreeEntry[]>();
  /** Commits read, by id (objects never change). */
  private readonly commits = new Map<string, CommitHeader>();
  /** Bytes of an object id in trees: 20 (SHA-1), 32 (SHA-256); from the first id seen. */
  private idBytes = 20;

  /** How many hex digits git abbreviates an id to here (`%h`), asked once. */
  private readonly abbrev: Promise<number>;

  constructor(repoPath: string, env: NodeJS.ProcessEnv) {
    this.objects = new ObjectReader(repoPath, env);
    this.mktree = new PipeProcess('git', ['mktree', '--batch', '-z'], { cwd: repoPath, env });
    this.abbrev = shortLength(repoPath);
  }

  close(): void {
    this.objects.close();
    this.mktree.close();
  }

  /** A commit's id and header; undefined when there is no such commit. Read once per id. */
  async commit(name: string): Promise<({ id: string } & CommitHeader) | undefined> {
    const known = this.commits.get(name);
    if (known !== undefined) return { id: name, ...known };
    const object = await this.objects.read(name);
    if (object === undefined || object.type !== 'commit') return undefined;
    this.idBytes = object.id.length / 2;
    const header = parseCommit(object.content);
    if (this.commits.size >= TREE_CACHE) this.commits.clear();
    this.commits.set(object.id, header);
    return { id: object.id, ...header };
  }

  /** What a task's branch changed since `base`; undefined when it cannot be read. */
  async taskDiff(base: string, branch: string): Promise<TaskDiff | undefined> {
    const [tip, start] = await Promise.all([
      this.commit(`refs/heads/${branch}`),
      this.commit(base),
    ]);
    if (tip === undefined || start === undefined) return undefined;
    const diff: TaskDiff = { ...emptyDiff(), tip: tip.id, history: new Set(), commits: [] };
    if (tip.id === base) return diff;
    const history = await this.history(tip.id, base);
    diff.history = history === undefined ? undefined : new Set(history.commits.map((c) => c.id));
    diff.commits = history?.line === true ? await this.oneLines(history.commits) : undefined;
    await this.compare(start.tree, tip.tree, [], diff);
    diff.files.sort(byBytes);
    return diff;
  }

  /** `%h %s` of each commit: ids as short as git's abbreviation here, longer where that is ambiguous. */
  private async oneLines(commits: TaskCommit[]): Promise<string[]> {
    const abbrev = await this.abbrev;
    return Promise.all(
      commits.map(async ({ id, subject }) => {
        let length = abbrev;
        while (length < id.length && (await this.objects.read(id.slice(0, length)))?.id !== id)
          length += 1;
        return `${id.slice(0, length)} ${subject}`;
      }),
    );
  }

  /** What changed from one tree to another: the paths (files), and whether any was deleted. */
  async treeChanges(
    before: string,
    after: string,
  ): Promise<{ paths: Set<string>; deletes: boolean } | undefined> {
    const diff = emptyDiff();
    try {
      await this.compare(before, after, [], diff);
    } catch {
      return undefined;
    }
    return { paths: new Set(diff.files), deletes: diff.deletes };
  }

  /**
   * The commits reachable from `tip` and not from `base`, newest first along first parents, when
   * each has only such commits, or the base, as parents (undefined otherwise); `line`: they are one
   * line of plainly encoded commits.
   */
  private async history(
    tip: string,
    base: string,
  ): Promise<{ commits: TaskCommit[]; line: boolean } | undefined> {
    const seen = new Set([tip]);
    const queue = [tip];
    const commits: TaskCommit[] = [];
    let line = true;
    while (queue.length > 0) {
      const id = queue.shift() as string;
      const commit = await this.commit(id);
      if (commit === undefined || commit.parents.length === 0) return undefined;
      const { parents, subject, plain } = commit;
      commits.push({ id, subject });
      if (parents.length > 1 || !plain) line = false;
      for (const parent of parents) {
        if (parent === base || seen.has(parent)) continue;
        if (seen.size >= MAX_TASK_COMMITS) return undefined;
        seen.add(parent);
        queue.push(parent);
      }
    }
    return { commits, line };
  }

  private async compare(
    before: string | undefined,
    after: string,
    prefix: string[],
    diff: TreeDiff,
  ): Promise<void> {
    if (before === after) return;
    const [old, now] = await Promise.all([
      before === undefined ? Promise.resolve([]) : this.tree(before),
      this.tree(after),
    ]);
    const oldByName = new Map(old.map((entry) => [entry.name, entry]));
    const nowByName = new Map(now.map((entry) => [entry.name, entry]));
    for (const entry of old) {
      const still = nowByName.get(entry.name);
      if (still !== undefined && isTree(still) === isTree(entry)) continue;
      // Gone, or a folder turned into a file or back: its old files were deleted.
      diff.deletes = true;
      await this.listDeleted(entry, [...prefix, entry.name], diff);
    }
    for (const entry of now) {
      const was = oldByName.get(entry.name);
      if (was !== undefined && was.id === entry.id && canonicalMode(was) === canonicalMode(entry))
        continue;
      const path = [...prefix, entry.name];
      if (isTree(entry)) {
        const before = was !== undefined && isTree(was) ? was.id : undefined;
        await this.compare(before, entry.id, path, diff);
      } else {
        diff.changes.push({ path, mode: entry.mode, id: entry.id });
        diff.files.push(path.join('/'));
      }
    }
  }

  private async listDeleted(entry: TreeEntry, path: string[], diff: TreeDiff): Promise<void> {
    if (!isTree(entry)) {
      diff.files.push(path.join('/'));
      return;
    }
    for (const inner of await this.tree(entry.id))
      await this.listDeleted(inner, [...path, inner.name], diff);
  }

  /**
   * `tree` with `changes` put in, written; undefined when a change meets a folder where it puts a
   * file, or a file where it needs a folder (git's merge decides those).
   */
  async apply(tree: string, changes: Change[]): Promise<string | undefined> {
    try {
      return await this.edit(tree, changes);
    } catch {
      return undefined;
    }
  }

  private async edit(tree: string | undefined, changes: Change[]): Promise<string> {
    const entries = new Map(
      (tree === undefined ? [] : await this.tree(tree)).map((entry) => [entry.name, entry]),
    );
    const byName = new Map<string, Change[]>();
    for (const change of changes) {
      const name = change.path[0] as string;
      byName.set(name, [...(byName.get(name) ?? []), change]);
    }
    for (const [name, group] of byName) {
      const existing = entries.get(name);
      const leaf = group.find((change) => change.path.length === 1);
      if (leaf !== undefined) {
        if (group.length > 1 || (existing !== undefined && isTree(existing)))
          throw new Error(`${name}: file and folder`);
        entries.set(name, { mode: leaf.mode, name, id: leaf.id });
        continue;
      }
      if (existing !== undefined && !isTree(existing)) throw new Error(`${name}: file and folder`);
      const deeper = group.map((change) => ({ ...change, path: change.path.slice(1) }));
      entries.set(name, { mode: '40000', name, id: await this.edit(existing?.id, deeper) });
    }
    return this.write([...entries.values()]);
  }

  private async tree(id: string): Promise<TreeEntry[]> {
    const cached = this.trees.get(id);
    if (cached !== undefined) return cached;
    const object = await this.objects.read(id);
    if (object === undefined || object.type !== 'tree') throw new Error(`no tree ${id}`);
    const entries = parseTree(object.content, this.idBytes);
    this.remember(id, entries);
    return entries;
  }

  private async write(entries: TreeEntry[]): Promise<string> {
    const lines = entries.map((entry) => `${mktreeLine(entry)}\0`).join('');
    const answer = await this.mktree.askLines(`${lines}\0`, 1);
    const id = answer.ok ? answer.value[0] : undefined;
    if (!isObjectId(id)) throw new Error(`git mktree: ${answer.ok ? 'no tree' : answer.error}`);
    this.remember(id, entries);
    return id;
  }

  private remember(id: string, entries: TreeEntry[]): void {
    if (this.trees.size >= TREE_CACHE) this.trees.clear();
    this.trees.set(id, entries);
  }
}

/** The empty tree's id in each object format: an id no task commit has, to ask git's short length. */
const EMPTY_TREE = [
  '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
];

/**
 * How many digits git abbreviates ids to here before lengthening an ambiguous one (`core.abbrev`,
 * or its own choice from the number of objects), read as the short form of the empty tree's id.
 */
async function shortLength(repoPath: string): Promise<number> {
  for (const id of EMPTY_TREE) {
    const result = await git(repoPath, ['rev-parse', '--short', id]);
    if (result.ok && /^[0-9a-f]{4,}$/.test(result.stdout.trim()))
      return result.stdout.trim().length;
  }
  return 7;
}

/** A mode as git compares it: a file is 100644 or 100755 whatever else an old tree says. */
function canonicalMode(entry: TreeEntry): string {
  if (!entry.mode.startsWith('100')) return entry.mode;
  return (parseInt(entry.mode.slice(3), 8) & 0o100) !== 0 ? '100755' : '100644';
}

/** `git mktree` input: `<mode> <type> <id>\t<name>` (a folder's mode spelled `040000`). */
function mktreeLine(entry: TreeEntry): string {
  if (isTree(entry)) return `040000 tree ${entry.id}\t${entry.name}`;
  const type = entry.mode === '160000' ? 'commit' : 'blob';
  return `${entry.mode} ${type} ${entry.id}\t${entry.name}`;
}

/**
 * Whether a task's changes can be put into the integration tree as they are: none of its paths, nor
 * a folder of one of them, was changed on the integration branch since its base (`changedSince`).
 */
export function disjoint(changes: Change[], changedSince: Set<string>): boolean {
  const folders = new Set<string>();
  for (const path of changedSince) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i += 1) folders.add(parts.slice(0, i).join('/'));
  }
  for (const change of changes) {
    const path = change.path.join('/');
    if (changedSince.has(path) || folders.has(path)) return false;
    for (let i = 1; i < change.path.length; i += 1)
      if (changedSince.has(change.path.slice(0, i).join('/'))) return false;
  }
  return true;
}
