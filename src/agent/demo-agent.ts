/**
 * The ccglm DEMO agent (`ccglm headless --agent demo`): offline, no API key, no model. It shows the
 * whole flow to a new user: reads its prompt, makes a small real edit to each file in the task's
 * location (creating missing ones), commits with Feature-Key and Agent trailers, prints progress
 * over a few seconds (CCGLM_DEMO_DELAY_MS per step, default 700) and ends with a short summary.
 * Every process it starts is git with an argument array; nothing from the plan reaches a shell.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPlanReader } from './load-plan.js';
import { taskFromPrompt, type PromptTask } from './prompt-parse.js';

export const DEMO_AGENT_NAME = 'ccglm-demo';

const COMMENT: Record<string, (text: string) => string> = {
  hash: (text) => `# ${text}`,
  slash: (text) => `// ${text}`,
  html: (text) => `<!-- ${text} -->`,
  plain: (text) => text,
};
const STYLE_BY_EXT: Record<string, keyof typeof COMMENT> = {
  '.py': 'hash',
  '.sh': 'hash',
  '.rb': 'hash',
  '.yml': 'hash',
  '.yaml': 'hash',
  '.toml': 'hash',
  '.js': 'slash',
  '.mjs': 'slash',
  '.cjs': 'slash',
  '.ts': 'slash',
  '.tsx': 'slash',
  '.jsx': 'slash',
  '.go': 'slash',
  '.rs': 'slash',
  '.java': 'slash',
  '.c': 'slash',
  '.h': 'slash',
  '.cpp': 'slash',
  '.cs': 'slash',
  '.swift': 'slash',
  '.kt': 'slash',
  '.css': 'plain',
  '.scss': 'slash',
  '.md': 'html',
  '.html': 'html',
  '.xml': 'html',
};

/** The line the demo appends, commented in the file's own syntax (JSON gets none: it would break). */
export function demoEditLine(file: string, taskId: string): string | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return undefined;
  const style = STYLE_BY_EXT[ext] ?? 'plain';
  const text = `ccglm demo agent: edit for task ${taskId}`;
  return ext === '.css' ? `/* ${text} */` : (COMMENT[style] as (t: string) => string)(text);
}

/** A location path inside the worktree, or undefined when it would escape it. */
export function insideWorktree(worktree: string, location: string): string | undefined {
  const target = path.resolve(worktree, location);
  const relative = path.relative(worktree, target);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative)
    ? undefined
    : target;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`[ccglm demo] ${line}\n`);

function git(args: string[], cwd: string, input?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input !== undefined ? { input } : {}),
  }).trim();
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

function editFile(worktree: string, location: string, taskId: string): string | undefined {
  const named = insideWorktree(worktree, location);
  if (named === undefined) {
    say(`skipping ${location}: outside the worktree`);
    return undefined;
  }
  // A folder (`src/components/`, or one that exists): a file of its own in it.
  const folder = /[/\\]$/.test(location) || (existsSync(named) && statSync(named).isDirectory());
  const target = folder ? path.join(named, `ccglm-demo-${taskId}.md`) : named;
  const shown = folder ? path.relative(worktree, target) : location;
  const created = !existsSync(target);
  mkdirSync(path.dirname(target), { recursive: true });
  const line = demoEditLine(target, taskId);
  if (line === undefined) {
    if (!created) {
      say(`leaving ${shown} as it is (JSON has no comments)`);
      return undefined;
    }
    appendFileSync(target, `{ "ccglmDemo": ${JSON.stringify(taskId)} }\n`);
  } else {
    const before = created ? '' : readFileSync(target, 'utf8');
    appendFileSync(target, `${before === '' || before.endsWith('\n') ? '' : '\n'}${line}\n`);
  }
  say(`${created ? 'created' : 'edited '} ${shown}`);
  return path.relative(worktree, target);
}

function commit(worktree: string, task: PromptTask, files: string[], featureKey: string): string {
  git(['add', '--', ...files], worktree);
  const message = [
    `${task.id}: ${task.name} (ccglm demo)`,
    '',
    'A demonstration edit made by the ccglm demo agent (no model was called).',
    '',
    `Feature-Key: ${featureKey}`,
    `Agent: ${DEMO_AGENT_NAME}`,
    '',
  ].join('\n');
  git(
    [
      '-c',
      'user.name=ccglm demo',
      '-c',
      'user.email=demo@ccglm.invalid',
      'commit',
      '-q',
      '-F',
      '-',
    ],
    worktree,
    message,
  );
  return git(['rev-parse', '--short', 'HEAD'], worktree);
}

/** The task as the plan says it ($CCGLM_PLAN + $CCGLM_TASK_ID), when the plan parser can read it. */
async function taskFromPlan(env: NodeJS.ProcessEnv): Promise<PromptTask | undefined> {
  const planFile = env['CCGLM_PLAN'];
  const id = env['CCGLM_TASK_ID'];
  if (!planFile || !id || !existsSync(planFile)) return undefined;
  const reader = await findPlanReader();
  const task = reader?.(readFileSync(planFile, 'utf8'), planFile).plan.tasks.find(
    (t) => t.id === id,
  );
  if (task === undefined) return undefined;
  return { id, name: task.name, locations: (task.location ?? []).map((entry) => entry.path) };
}

export async function runDemoAgent(env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const delay = Number(env['CCGLM_DEMO_DELAY_MS'] ?? 700);
  const promptFile = env['CCGLM_PROMPT_FILE'];
  let prompt = await readStdin();
  if (prompt === '' && promptFile !== undefined && existsSync(promptFile))
    prompt = readFileSync(promptFile, 'utf8');
  const fromPrompt = taskFromPrompt(prompt);
  const fromPlan = await taskFromPlan(env);
  const task: PromptTask = fromPlan
    ? { ...fromPlan, ...(fromPrompt.featureKey ? { featureKey: fromPrompt.featureKey } : {}) }
    : { ...fromPrompt, id: env['CCGLM_TASK_ID'] || fromPrompt.id };
  const worktree = realpathSync(cwd);
  say(`this is the ccglm DEMO agent: it makes small real edits, no model is called`);
  say(
    `task ${task.id}${task.name ? `: ${task.name}` : ''} (prompt: ${prompt.split('\n').length} lines; ` +
      `files from the ${fromPlan ? 'plan' : 'prompt'})`,
  );
  await sleep(delay);
  if (task.locations.length === 0) {
    say('the task has no location list: nothing to edit');
    process.stdout.write(
      '\nSummary: the ccglm demo agent found no files to edit; no commit made.\n',
    );
    return 0;
  }
  say(`reading ${task.locations.length} file(s) in the location list`);
  await sleep(delay);
  const edited: string[] = [];
  for (const location of task.locations) {
    const file = editFile(worktree, location, task.id);
    if (file !== undefined) edited.push(file);
    await sleep(delay / 2);
  }
  const featureKey = env['CCGLM_FEATURE_KEY'] || task.featureKey || task.id;
  let sha = '';
  if (edited.length > 0) {
    try {
      sha = commit(worktree, task, edited, featureKey);
      say(`committed ${sha} (Feature-Key: ${featureKey}, Agent: ${DEMO_AGENT_NAME})`);
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
      process.stderr.write(`[ccglm demo] ERROR: git commit failed in ${worktree}: ${detail}\n`);
      return 1;
    }
  }
  await sleep(delay);
  process.stdout.write(
    `\nSummary: the ccglm demo agent edited ${edited.length} file(s) (${edited.join(', ') || 'none'})` +
      `${sha ? ` and committed ${sha}` : ''}. Validation: none (this is a demonstration).\n`,
  );
  return 0;
}

// Run when executed as a script (the demo profile runs `node dist/agent/demo-agent.js`).
if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  runDemoAgent(process.env, process.cwd()).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`[ccglm demo] ERROR: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
