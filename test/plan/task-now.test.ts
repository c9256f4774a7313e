import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/parse.js';
import { taskNow } from '../../src/plan/task-now.js';
import type { Task } from '../../src/plan/types.js';

const task = (id: string, deps: string, description: string, status = 'Not Started') =>
  [
    `### ${id}: Task ${id}`,
    `- **depends_on**: [${deps}]`,
    '- **repo**: app',
    `- **location**: ${id}.txt`,
    `- **description**: ${description}`,
    `- **status**: ${status}`,
    '',
  ].join('\n');
const plan = (...tasks: string[]) => ['# Plan: X', '', '## Tasks', '', ...tasks].join('\n');
const file = 'x-plan.md';
const read = (text: string, id: string) => {
  const found = parsePlan(text, file).plan.tasks.find((t) => t.id === id) as Task;
  return { task: found, source: text.slice(found.span.start.offset, found.span.end.offset) };
};

describe('taskNow: a task as the plan says when the run starts it', () => {
  const before = plan(task('T1', '', 'one'), task('T2', 'T1', 'two'));
  const { task: start, source } = read(before, 'T2');

  it('unchanged (other tasks written meanwhile): the task the run read, no note', () => {
    const after = before.replace('**status**: Not Started', '**status**: Completed');
    expect(taskNow(start, source, after, file)).toEqual({ task: start });
  });

  it('its description edited: told as it is now, its status and log the run’s own', () => {
    const after = before.replace('two', 'two, and mind the tests');
    const now = taskNow(start, source, after, file);
    expect(now.task.description).toBe('two, and mind the tests');
    expect(now.task.status).toBe('Not Started');
    expect(now.note).toBe(
      'edited in the plan after the run started: started with its text as it is now',
    );
  });

  it('its depends_on or repo edited: the run keeps the task it read, and says so', () => {
    const deps = taskNow(start, source, before.replace('[T1]', '[]'), file);
    expect(deps.task).toBe(start);
    expect(deps.note).toMatch(/^its depends_on changed in the plan after the run started/);
    const repo = taskNow(
      start,
      source,
      before.replace(/app\n(?=- \*\*location\*\*: T2)/, 'web\n'),
      file,
    );
    expect(repo.note).toMatch(/^its repo changed/);
  });

  it('removed from the plan, or set Skipped or Completed there: left out; its id twice: the task the run read', () => {
    expect(taskNow(start, source, plan(task('T1', '', 'one')), file)).toEqual({
      task: start,
      leftOut: 'removed',
      note: 'T2 was removed from the plan during the run: not started',
    });
    for (const status of ['Skipped', 'Completed'] as const) {
      const set = taskNow(
        start,
        source,
        plan(task('T1', '', 'one'), task('T2', 'T1', 'two', status)),
        file,
      );
      expect(set.leftOut).toBe(status);
      expect(set.note).toBe(`T2 was set ${status} in the plan during the run: not started`);
    }
    const twice = plan(task('T1', '', 'one'), task('T2', 'T1', 'two!'), task('T2', 'T1', 'again'));
    expect(taskNow(start, source, twice, file).note).toBe(
      'T2 is in the plan twice now: started as the run read it',
    );
  });

  it('its last field lengthened (its text as read is the start of the new one): an edit', () => {
    const last = (description: string) =>
      plan(
        ['### T3: Three', '- **depends_on**: []', `- **description**: ${description}`, ''].join(
          '\n',
        ),
      );
    const { task: three, source: threeSource } = read(last('c'), 'T3');
    const now = taskNow(three, threeSource, last('c, and also update the README'), file);
    expect(now.task.description).toBe('c, and also update the README');
  });

  it('only what the run writes changed (a requeued task’s status and log): no edit', () => {
    const requeued = before.replace(
      /(### T2[^]*?)- \*\*status\*\*: Not Started/,
      '$1- **status**: Not Started\n- **log**: job x was rate limited',
    );
    expect(requeued).not.toBe(before);
    expect(taskNow(start, source, requeued, file)).toEqual({ task: start });
  });

  it('--target NAME: a task naming no target has it from the run, not an edit of its target', () => {
    const onAlpha = { ...start, target: 'alpha' };
    const after = before.replace('two', 'two, edited');
    const asRun = (task: Task) => (task.target === undefined ? { ...task, target: 'alpha' } : task);
    const now = taskNow(onAlpha, source, after, file, asRun);
    expect(now.task.target).toBe('alpha');
    expect(now.task.description).toBe('two, edited');
  });
});
