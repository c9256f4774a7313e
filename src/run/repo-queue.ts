import os from 'node:os';

/**
 * Git work on one repository, most urgent first, a few pieces at a time (worktrees: git adds and
 * removes several at once safely, each has its own admin folder and branch) or one at a time
 * (merges into one branch build on each other).
 */
/** How urgent a piece of a repo's git work is: a task waiting, a task about to be ready, cleanup. */
export type Priority = 'now' | 'soon' | 'idle';

/** Work on one repository in order, `width` pieces at a time; more urgent work goes first. */
export class RepoQueue {
  private busy = 0;
  private readonly waiting: Record<Priority, (() => Promise<void>)[]> = {
    now: [],
    soon: [],
    idle: [],
  };

  constructor(private readonly width = 1) {}

  run<T>(work: () => Promise<T>, priority: Priority = 'now'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting[priority].push(() => work().then(resolve, reject));
      this.pump();
    });
  }

  private pump(): void {
    while (this.busy < this.width) {
      const next =
        this.waiting.now.shift() ?? this.waiting.soon.shift() ?? this.waiting.idle.shift();
      if (next === undefined) return;
      this.busy += 1;
      void next().finally(() => {
        this.busy -= 1;
        this.pump();
      });
    }
  }
}

/** How many worktrees of a repo are added or removed at once: mostly CPU work for git. */
const WORKTREE_WIDTH = Math.min(4, Math.max(2, os.availableParallelism()));

/** Per repository: its worktree work, and its merges, made on first use. */
export class RepoQueues {
  private readonly queues = new Map<string, RepoQueue>();

  worktrees(repoPath: string): RepoQueue {
    return this.get(`worktrees:${repoPath}`, WORKTREE_WIDTH);
  }

  merges(repoPath: string): RepoQueue {
    return this.get(`merge:${repoPath}`, 1);
  }

  private get(key: string, width: number): RepoQueue {
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = new RepoQueue(width);
      this.queues.set(key, queue);
    }
    return queue;
  }
}
