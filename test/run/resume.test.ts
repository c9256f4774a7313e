/**
 * `--resume` after a run that died (kill -9) or was detached: durations from the jobs' own ends,
 * the summary's branch read after the last merge, merged task branches and worktrees cleaned as a
 * normal run cleans them, and the dead run's settings reused. Real git, the real CLI, fake agents.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { formatDuration } from '../../src/run/summary.js';
import {
  exitOf,
  makeSandbox,
  plan,
  planTask,
  processesLeftIn,
  runsOf,
  runSync,
  spawnRun,
  statuses,
  waitForEvents,
  type Sandbox,
} from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tmpOf(sb: Sandbox): string {
  const tmp = path.join(sb.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return tmp;
}

function logOf(sb: Sandbox, id: string): string {
  const tasks = parsePlan(readFileSync(sb.plan, 'utf8'), 'p').plan.tasks;
  return tasks.find((task) => task.id === id)?.log ?? '';
}

/** Waits until `count` job outcomes are in the sandbox's log folder. */
async function outcomes(sb: Sandbox, count: number): Promise<void> {
  const written = () => readdirSync(sb.logDir).filter((name) => name.endsWith('.outcome'));
  while (written().length < count) await sleep(50);
}

describe('--resume durations', () => {
  it('a job that ended before --resume adopted it keeps its own duration; the plan and the console say the same', async () => {
    const sb = makeSandbox(plan([planTask('T1', []), planTask('T2', ['T1'])]));
    sandbox = sb;
    const tmp = tmpOf(sb);
    const child = spawnRun(sb, [], { FAKE_SLEEP_MS: '1000', TMPDIR: tmp });
    child.stderr.resume();
    await waitForEvents(child, 'task.start', 1);
    child.kill('SIGKILL');
    await exitOf(child);
    await outcomes(sb, 1);
    await sleep(3000); // the adoption comes long after the job's end
    const resumed = runSync(sb, ['--resume'], { FAKE_SLEEP_MS: '100', TMPDIR: tmp });
    expect(resumed.status).toBe(0);
    expect(statuses(sb.plan)).toEqual({ T1: 'Completed', T2: 'Completed' });
    for (const id of ['T1', 'T2']) {
      const end = resumed.events.find((e) => e.type === 'task.end' && e.id === id);
      const ms = Number(end?.durationMs);
      expect(ms, id).toBeLessThan(2500);
      const shown = formatDuration(ms);
      expect(logOf(sb, id), id).toContain(`, agent custom, ${shown}, exit 0`);
      expect(resumed.stderr, id).toContain(`${id.padEnd(8)} Completed  (${shown},`);
    }
    expect(runsOf(sb)).toEqual({ T1: 1, T2: 1 });
    expect(await processesLeftIn(sb.dir)).toEqual([]);
  });
});
