/**
 * Reads git objects through one long-lived `git cat-file --batch` of a repository, and parses the
 * two kinds a merge needs: trees and commits. Any name git resolves can be asked for (an object id,
 * `refs/heads/x`). When the process dies, what was pending reads as undefined.
 */
import { PipeProcess, type AnswerReader } from './pipe-process.js';

export interface GitObject {
  id: string;
  type: string;
  content: Buffer;
}

export class ObjectReader {
  private readonly process: PipeProcess;

  constructor(repoPath: string, env: NodeJS.ProcessEnv) {
    this.process = new PipeProcess('git', ['cat-file', '--batch'], { cwd: repoPath, env });
  }

  /** The object `name` names; undefined when there is none (or git could not be asked). */
  async read(name: string): Promise<GitObject | undefined> {
    if (/\s/.test(name)) return undefined;
    const answer = await this.process.ask(`${name}\n`, takeObject);
    return answer.ok ? answer.value : undefined;
  }

  close(): void {
    this.process.close();
  }
}

/** One answer of cat-file --batch: `<id> <type> <size>\n<content>\n`, or `<name> missing\n`. */
const takeObject: AnswerReader<GitObject | undefined> = (output) => {
  const newline = output.indexOf(10);
  if (newline < 0) return undefined;
  const header = output.subarray(0, newline).toString('utf8').split(' ');
  if (header.length !== 3) return { value: undefined, used: newline + 1 };
  const end = newline + 1 + Number(header[2]);
  if (output.length < end + 1) return undefined;
  const content = Buffer.from(output.subarray(newline + 1, end));
  return { value: { id: header[0] as string, type: header[1] as string, content }, used: end + 1 };
};

/** A full object id as git prints it (SHA-1 or SHA-256). */
export function isObjectId(text: string | undefined): text is string {
  return text !== undefined && /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(text);
}

export interface TreeEntry {
  /** As git writes it in a tree: `100644`, `100755`, `120000`, `160000`, `40000`. */
  mode: string;
  name: string;
  id: string;
}

export const isTree = (entry: { mode: string }) => entry.mode === '40000';

/** A tree object's entries, in git's order. `idBytes`: 20 (SHA-1) or 32 (SHA-256). */
export function parseTree(content: Buffer, idBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(32, at);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 1 + idBytes > content.length)
      throw new Error('malformed tree object');
    const nameBytes = content.subarray(space + 1, nul);
    const name = nameBytes.toString('utf8');
    // A name that is not UTF-8 would not survive being written back: not ours to handle.
    if (!Buffer.from(name, 'utf8').equals(nameBytes)) throw new Error('tree entry name not UTF-8');
    entries.push({
      mode: content.subarray(at, space).toString('latin1'),
      name,
      id: content.subarray(nul + 1, nul + 1 + idBytes).toString('hex'),
    });
    at = nul + 1 + idBytes;
  }
  return entries;
}

export interface CommitHeader {
  tree: string;
  parents: string[];
  /** `%s`: the message's first paragraph on one line. */
  subject: string;
  /** No `encoding` header: the message is UTF-8 as git log would show it. */
  plain: boolean;
}

/** The tree, parents and subject of a commit object. */
export function parseCommit(content: Buffer): CommitHeader {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  let tree = '';
  let plain = true;
  const parents: string[] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('encoding ')) plain = false;
  }
  const message = split >= 0 ? text.slice(split + 2) : '';
  // As git's `%s`: the first paragraph, its lines joined by a space; git's whitespace is ASCII's.
  const blank = (line: string) => /^[ \t\r]*$/.test(line);
  const lines = message.split('\n');
  while (lines.length > 0 && blank(lines[0] as string)) lines.shift();
  const paragraph: string[] = [];
  for (const line of lines) {
    if (blank(line)) break;
    paragraph.push(line.replace(/[ \t\r]+$/, ''));
  }
  return { tree, parents, subject: paragraph.join(' '), plain };
}
