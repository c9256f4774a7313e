/**
 * Git work on one repository, most urgent first, one piece at a time: `git worktree add` reads every
 * worktree's admin files (is the branch checked out elsewhere?) and fails on one another add is
 * still writing, and merges into one branch build on each other.
 */
/** How urgent a piece of a repo's git work is: a task waiting, a task about to be ready, cleanup. */
export type Priority = 'now' | 'soon' | 'idle';

/** Work on one repository in order, one at a time; more urgent work goes first. */
export class RepoQueue {
  private busy = false;
  private readonly waiting: Record<Priority, (() => Promise<void>)[]> = {
    now: [],
    soon: [],
    idle: [],
  };

  run<T>(work: () => Promise<T>, priority: Priority = 'now'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting[priority].push(() => work().then(resolve, reject));
      this.pump();
    });
  }

  private pump(): void {
    if (this.busy) return;
    const next = this.waiting.now.shift() ?? this.waiting.soon.shift() ?? this.waiting.idle.shift();
    if (next === undefined) return;
    this.busy = true;
    void next().finally(() => {
      this.busy = false;
      this.pump();
    });
  }
}

/** Per repository: its worktree work, and its merges, made on first use. */
export class RepoQueues {
  private readonly queues = new Map<string, RepoQueue>();

  worktrees(repoPath: string): RepoQueue {
    return this.get(`worktrees:${repoPath}`);
  }

  merges(repoPath: string): RepoQueue {
    return this.get(`merge:${repoPath}`);
  }

  private get(key: string): RepoQueue {
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = new RepoQueue();
      this.queues.set(key, queue);
    }
    return queue;
  }
}
