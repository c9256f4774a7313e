/**
 * The prompt an agent gets for one task: the spec's Agent Prompt Template filled from the plan.
 * Unlike the spec's hand-run workflow, ccglm records status, log and files edited itself, so the
 * agent is told NOT to edit the plan (two writers would race) and to end with a short summary
 * (which becomes the task's log). Pure: plan data in, text out.
 */
import { CcglmError, ExitCode } from '../errors.js';
import type { PlanDoc, Task } from '../plan/types.js';
import { logLines } from '../plan/values.js';

export interface RenderPromptOptions {
  plan: PlanDoc;
  /** The plan file as the agent should see it (absolute path preferred). */
  planPath: string;
  taskId: string;
  /** Repository (name or path) when the task has no `repo` field. */
  repo?: string;
  /** Where the agent runs; default "the current directory". */
  worktree?: string;
  /** Feature-Key trailer value; default the task id. */
  featureKey?: string;
  branch?: string;
  /** Agent trailer value; default `claude`. */
  agent?: string;
  /** A user template with `{{placeholder}}`s (see promptPlaceholders); default the built-in one. */
  template?: string;
}

/** Every placeholder a template may use, with what it becomes. */
export const promptPlaceholders: Readonly<Record<string, string>> = {
  plan_path: 'the plan file',
  task_id: 'the task id, e.g. T3',
  task_name: 'the task name from its heading',
  dependencies:
    'the dependencies with their status, one `  - T1: Name (Completed)` line each (preceded by a newline), or "None - this task has no dependencies"',
  repo: "the task's repo field (or the repository ccglm runs in)",
  worktree: 'the folder the agent runs in',
  branch: 'the branch the agent commits to',
  location: 'the location list, one `  - path` line each',
  description: 'the description (continuation lines indented by two spaces)',
  validation: 'the validation (continuation lines indented by two spaces)',
  log: "the task's log as the plan has it before this attempt (a person's notes, an earlier attempt), as a `- **log**:` item (preceded by a newline); empty when it has none",
  feature_key: 'the Feature-Key trailer value',
  agent: 'the Agent trailer value',
};

export const defaultPromptTemplate = `You are implementing a batched task from a development plan.

## Context
- Plan: {{plan_path}}
- Your Task: {{task_id}}: {{task_name}}
- Dependencies: {{dependencies}}

## Your Task
- **repo**: {{repo}}
- **worktree**: {{worktree}}
- **branch**: {{branch}}
- **location**:
{{location}}
- **description**: {{description}}
- **validation**: {{validation}}{{log}}

## Instructions
1. Work in your current directory, the task's worktree: {{worktree}}
2. Read ALL files in the location list first
3. Implement changes for all acceptance criteria
4. Keep work atomic and committable
5. Do NOT edit the plan file ({{plan_path}}): ccglm records status, log and files edited itself
6. Commit your work:
   - git add [specific files only]
   - git commit with these trailers at the end of the message:
     Feature-Key: {{feature_key}}
     Agent: {{agent}}
7. DO NOT PUSH - ccglm (the orchestrator) will push
8. End with a short summary (ccglm records it as the task's log):
   - Files modified/created
   - Changes made
   - How criteria are satisfied
   - Validation performed or deferred

## Important
- Work only on files in your location list
- Other agents may be working in parallel on other tasks
- Commit, don't push
`;

const indentContinuation = (text: string) => text.trim().replace(/\r?\n/g, '\n  ');

function formatDependencies(task: Task, plan: PlanDoc): string {
  if (task.dependsOn === null || task.dependsOn.length === 0)
    return 'None - this task has no dependencies';
  const lines = task.dependsOn.map((dep) => {
    const target = plan.tasks.find((candidate) => candidate.id === dep.id);
    const note = dep.note !== undefined ? ` — ${dep.note}` : '';
    return target === undefined
      ? `  - ${dep.id} (not in the plan)${note}`
      : `  - ${dep.id}: ${target.name} (${target.status})${note}`;
  });
  return `\n${lines.join('\n')}`;
}

function formatLocation(task: Task): string {
  if (task.location === null || task.location.length === 0) return '  - (none given)';
  return task.location
    .map((entry) => `  - ${entry.path}${entry.note !== undefined ? ` (${entry.note})` : ''}`)
    .join('\n');
}

/** The plan's log of the task (notes, an earlier attempt): what the agent should know first. */
function formatLog(task: Task): string {
  const lines = logLines(task.log);
  if (lines.length === 0) return '';
  return `\n- **log** (the plan's, before this attempt):\n${lines.map((line) => `  - ${line}`).join('\n')}`;
}

/** Finds the task or throws exit 1 naming the known ids. */
export function findTask(plan: PlanDoc, taskId: string, planPath: string): Task {
  const task = plan.tasks.find((candidate) => candidate.id === taskId);
  if (task !== undefined) return task;
  const known = plan.tasks.map((candidate) => candidate.id);
  throw new CcglmError(
    `Unknown task '${taskId}' in ${planPath}, expected one of: ${known.length > 0 ? known.join(', ') : '(the plan has no tasks)'}`,
    ExitCode.failure,
  );
}

/** Fills the template in one pass, so text from the plan is never re-scanned for placeholders. */
export function renderPrompt(options: RenderPromptOptions): string {
  const task = findTask(options.plan, options.taskId, options.planPath);
  const values: Record<string, string> = {
    plan_path: options.planPath,
    task_id: task.id,
    task_name: task.name,
    dependencies: formatDependencies(task, options.plan),
    repo: task.repo ?? options.repo ?? '(the current repository)',
    worktree: options.worktree ?? '(the current directory)',
    branch: options.branch ?? '(the current branch)',
    location: formatLocation(task),
    description: indentContinuation(task.description ?? '(none given)'),
    validation: indentContinuation(task.validation ?? '(none given)'),
    log: formatLog(task),
    feature_key: options.featureKey ?? task.id,
    agent: options.agent ?? 'claude',
  };
  const template = options.template ?? defaultPromptTemplate;
  const unknown = [...template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)]
    .map((match) => match[1] as string)
    .filter((name) => !(name in values));
  if (unknown.length > 0)
    throw new CcglmError(
      `Unknown placeholder {{${unknown[0]}}} in the prompt template, expected one of: ${Object.keys(promptPlaceholders).join(', ')}`,
      ExitCode.failure,
    );
  // Trailing blanks go (e.g. after "Dependencies:" when a list follows on the next lines).
  return template
    .replace(/\{\{\s*(\w+)\s*\}\}/g, (_whole, name: string) => values[name] ?? '')
    .replace(/[ \t]+$/gm, '');
}
