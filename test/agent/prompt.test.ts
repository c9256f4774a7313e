import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPlanReader } from '../../src/agent/load-plan.js';
import { renderPrompt } from '../../src/agent/prompt.js';
import { packageRoot } from '../../src/paths.js';
import { runCcglm } from './helpers.js';
import { planDoc, task } from './plan-fixture.js';

const fixtures = path.join(packageRoot, 'fixtures', 'prompts');
const PLAN = 'fixtures/prompts/basic-plan.md';

/** Compares with a golden file; UPDATE=1 rewrites it (review the diff as the behaviour change). */
function expectGolden(actual: string, name: string) {
  const file = path.join(fixtures, name);
  if (process.env['UPDATE'] === '1' || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

// The same plan as fixtures/prompts/basic-plan.md, as the parser gives it.
const basic = planDoc(
  [
    task('T1', {
      name: 'Greeting module',
      repo: 'greeter',
      location: ['src/greet.ts', 'test/greet.test.ts'],
      description: 'Add greet(name) returning "Hello, NAME!".',
      validation: 'npm test passes',
      status: 'Completed',
    }),
    task('T2', {
      name: 'HTTP endpoint',
      dependsOn: [{ id: 'T1' }],
      repo: 'greeter',
      location: ['src/server.ts', { path: 'src/routes/greet.ts', note: 'new' }],
      description: 'Serve GET /greet?name=X with greet().\nReturn 400 when name is missing.',
      validation: 'curl localhost:3000/greet?name=Ada prints Hello, Ada!',
    }),
    task('T3', {
      name: 'Docs',
      dependsOn: [{ id: 'T1' }, { id: 'T2', note: 'endpoint shape' }],
      repo: 'greeter',
      location: ['README.md'],
      description: 'Document the endpoint.',
      validation: 'README shows a curl example',
    }),
  ],
  PLAN,
);
const context = {
  worktree: '/tmp/agents/bd-7/greeter',
  branch: 'feature-bd-7',
  featureKey: 'bd-7',
};

describe('renderPrompt', () => {
  it('fills the Agent Prompt Template (golden)', () => {
    expectGolden(
      renderPrompt({ plan: basic, planPath: PLAN, taskId: 'T2', ...context }),
      'basic-plan.T2.prompt',
    );
    expectGolden(
      renderPrompt({ plan: basic, planPath: PLAN, taskId: 'T1' }),
      'basic-plan.T1.prompt',
    );
  });

  it('fills a user template (golden)', () => {
    const template = readFileSync(path.join(fixtures, 'custom.template'), 'utf8');
    expectGolden(
      renderPrompt({ plan: basic, planPath: PLAN, taskId: 'T3', template, agent: 'codex' }),
      'custom.T3.prompt',
    );
  });

  it("gives the agent the task's log as the plan has it: a person's notes, an earlier attempt", () => {
    const noted = planDoc(
      [
        task('T1', {
          name: 'Retry me',
          description: 'Fix the parser.',
          log: 'note: Root cause: the tokenizer drops BOMs\nearlier attempt (Failed): job x; agent failed (exit 1)',
        }),
      ],
      PLAN,
    );
    expect(renderPrompt({ plan: noted, planPath: PLAN, taskId: 'T1' })).toContain(
      [
        '- **validation**: (none given)',
        "- **log** (the plan's, before this attempt):",
        '  - note: Root cause: the tokenizer drops BOMs',
        '  - earlier attempt (Failed): job x; agent failed (exit 1)',
        '',
        '## Instructions',
      ].join('\n'),
    );
  });

  it('tells the agent not to edit the plan, not to push, and to end with a summary', () => {
    const prompt = renderPrompt({ plan: basic, planPath: PLAN, taskId: 'T2' });
    expect(prompt).toContain(
      `5. Do NOT edit the plan file (${PLAN}): ccglm records status, log and files edited itself`,
    );
    expect(prompt).toContain('7. DO NOT PUSH - ccglm (the orchestrator) will push');
    expect(prompt).toContain("8. End with a short summary (ccglm records it as the task's log):");
    expect(prompt).not.toContain('Update plan file');
  });

  it('an unknown task names the known ids (exit 1)', () => {
    expect(() => renderPrompt({ plan: basic, planPath: PLAN, taskId: 'T9' })).toThrow(
      expect.objectContaining({
        message: `Unknown task 'T9' in ${PLAN}, expected one of: T1, T2, T3`,
        exitCode: 1,
      }),
    );
  });

  it('an unknown placeholder names the known ones', () => {
    expect(() =>
      renderPrompt({ plan: basic, planPath: PLAN, taskId: 'T1', template: '{{nope}}' }),
    ).toThrow(
      /^Unknown placeholder \{\{nope\}\} in the prompt template, expected one of: plan_path, task_id, /,
    );
  });

  it('plan text is inserted once, never re-expanded', () => {
    const tricky = planDoc([task('T1', { name: '{{plan_path}}', description: '{{agent}} $(id)' })]);
    const out = renderPrompt({
      plan: tricky,
      planPath: 'p.md',
      taskId: 'T1',
      template: '{{task_name}}|{{description}}',
    });
    expect(out).toBe('{{plan_path}}|{{agent}} $(id)');
  });
});

const reader = await findPlanReader();
describe.skipIf(reader === undefined)(
  `ccglm prompt CLI${reader === undefined ? ' (skipped: the plan parser src/plan/parse.ts is not built yet)' : ''}`,
  () => {
    it('prints the same golden prompt from the plan file', async () => {
      const result = await runCcglm(
        [
          'prompt',
          PLAN,
          'T2',
          '--worktree',
          context.worktree,
          '--branch',
          context.branch,
          '--feature-key',
          'bd-7',
        ],
        { cwd: packageRoot, env: { PATH: process.env['PATH'] ?? '' } },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(readFileSync(path.join(fixtures, 'basic-plan.T2.prompt'), 'utf8'));
    });

    it('unknown task: exit 1 naming the known ids', async () => {
      const result = await runCcglm(['prompt', PLAN, 'T7'], {
        cwd: packageRoot,
        env: { PATH: process.env['PATH'] ?? '' },
      });
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `ccglm: Unknown task 'T7' in ${PLAN}, expected one of: T1, T2, T3\n`,
      });
    });
  },
);

describe('ccglm prompt CLI errors that need no parser', () => {
  it('a missing plan file: exit 1, one line', async () => {
    const result = await runCcglm(['prompt', 'nope-plan.md', 'T1'], {
      cwd: packageRoot,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(result).toMatchObject({
      code: 1,
      stderr: 'ccglm: nope-plan.md: cannot read the plan (no such file)\n',
    });
  });

  it('missing arguments: exit 2', async () => {
    const result = await runCcglm(['prompt', PLAN], {
      cwd: packageRoot,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'ccglm prompt needs TASK: ccglm prompt <plan> <task> [options]',
    );
  });
});
