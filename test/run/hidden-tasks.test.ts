/**
 * The headline of plan reading: a task that markdown hides (an HTML comment, a fenced block, a
 * blockquote) never gets an agent, and the plan is written back only where the real task is.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import {
  makeSandbox,
  plan,
  planTask,
  processesLeft,
  runsOf,
  runSync,
  type Sandbox,
} from './helpers.js';

let sandbox: Sandbox | undefined;
afterEach(() => sandbox?.cleanup());

const hidden = plan([
  planTask('T1', []),
  '<!-- dropped for now',
  planTask('T2', ['T1']),
  '-->',
  '',
  '```markdown',
  planTask('T3', ['T1']),
  '```',
  '',
  ...planTask('T4', [])
    .trimEnd()
    .split('\n')
    .map((line) => `> ${line}`),
  '',
]);

describe('ccglm run never starts a task that markdown hides', () => {
  it('runs T1 only; T2 (comment), T3 (fence) and T4 (blockquote) get no agent and stay as written', async () => {
    sandbox = makeSandbox(hidden);
    const result = runSync(sandbox);
    expect(result.status).toBe(0);
    expect(result.events.filter((e) => e.type === 'task.start').map((e) => e.id)).toEqual(['T1']);
    expect(runsOf(sandbox)).toEqual({ T1: 1 });
    const after = readFileSync(sandbox.plan, 'utf8');
    expect(parsePlan(after, 'p').plan.tasks.map((t) => `${t.id} ${t.status}`)).toEqual([
      'T1 Completed',
    ]);
    // Everything after T1's own fields is byte-identical.
    const tail = hidden.slice(hidden.indexOf('<!-- dropped'));
    expect(after.endsWith(tail)).toBe(true);
    expect(await processesLeft(sandbox)).toEqual([]);
  });

  it('a task in a <details> block is not hidden (GitHub shows it collapsed): the run says it runs it', () => {
    sandbox = makeSandbox(
      plan([
        planTask('T1', []),
        '<details>',
        '<summary>old</summary>',
        '',
        planTask('T5', []),
        '</details>',
        '',
      ]),
    );
    const result = runSync(sandbox);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(
      `warning: T5 (${sandbox.plan}:22) is inside a <details> block; it runs like any task (status Skipped, or an HTML comment around it, keeps it from running)\n`,
    );
    expect(runsOf(sandbox)).toEqual({ T1: 1, T5: 1 });
  });
});
