import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoEditLine, insideWorktree } from '../../src/agent/demo-agent.js';
import { renderPrompt } from '../../src/agent/prompt.js';
import { taskFromPrompt } from '../../src/agent/prompt-parse.js';
import { isolatedPath, makeTempDir, runCcglm } from './helpers.js';
import { gitOut, initRepo, planDoc, task } from './plan-fixture.js';

const plan = planDoc([
  task('T1', { name: 'Setup', status: 'Completed' }),
  task('T2', {
    name: 'Docs and code',
    dependsOn: [{ id: 'T1' }],
    location: [
      'README.md',
      { path: 'src/new.ts', note: 'new' },
      '../escape.txt',
      'data.json',
      'src/components/',
    ],
    description: 'Touch the files.',
  }),
]);

describe('demo agent helpers', () => {
  it('reads the task back from a rendered prompt', () => {
    const prompt = renderPrompt({
      plan,
      planPath: '/r/demo-plan.md',
      taskId: 'T2',
      featureKey: 'bd-7',
    });
    expect(taskFromPrompt(prompt)).toEqual({
      id: 'T2',
      name: 'Docs and code',
      locations: ['README.md', 'src/new.ts', '../escape.txt', 'data.json', 'src/components/'],
      featureKey: 'bd-7',
    });
  });

  it.each([
    ['a.ts', '// ccglm demo agent: edit for task T1'],
    ['a.py', '# ccglm demo agent: edit for task T1'],
    ['A.MD', '<!-- ccglm demo agent: edit for task T1 -->'],
    ['a.css', '/* ccglm demo agent: edit for task T1 */'],
    ['LICENSE', 'ccglm demo agent: edit for task T1'],
    ['a.json', undefined],
  ])('%s -> %s', (file, line) => expect(demoEditLine(file, 'T1')).toBe(line));

  it('keeps edits inside the worktree', () => {
    expect(insideWorktree('/w', 'a/b.ts')).toBe('/w/a/b.ts');
    expect(insideWorktree('/w', '../x')).toBeUndefined();
    expect(insideWorktree('/w', '/etc/passwd')).toBeUndefined();
    expect(insideWorktree('/w', '.')).toBeUndefined();
  });
});

describe('ccglm headless --agent demo', () => {
  let tmp: { dir: string; cleanup: () => void };
  let repo: string;
  beforeEach(() => {
    tmp = makeTempDir();
    repo = path.join(tmp.dir, 'repo');
    mkdirSync(repo);
    initRepo(repo);
    writeFileSync(path.join(repo, 'README.md'), '# Demo\n');
    gitOut(repo, 'add', 'README.md');
    gitOut(repo, 'commit', '-q', '-m', 'readme');
  });
  afterEach(() => tmp.cleanup());

  it('edits each location file, commits with trailers, prints a summary, needs no token', async () => {
    const promptFile = path.join(tmp.dir, 'T2.prompt');
    writeFileSync(promptFile, renderPrompt({ plan, planPath: '/r/demo-plan.md', taskId: 'T2' }));
    const result = await runCcglm(['headless', '--agent', 'demo', '--prompt-file', promptFile], {
      cwd: repo,
      env: {
        PATH: isolatedPath(tmp.dir),
        HOME: tmp.dir,
        CCGLM_DEMO_DELAY_MS: '0',
        CCGLM_TASK_ID: 'T2',
        CCGLM_FEATURE_KEY: 'bd-42',
      },
    });
    expect(result.stderr).toMatch(
      /LAUNCH_OK ts=\S+ model=- auth_source=none agent=demo pid=\d+\n$/,
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(
      '[ccglm demo] this is the ccglm DEMO agent: it makes small real edits, no model is called',
    );
    expect(lines).toContain('[ccglm demo] edited  README.md');
    expect(lines).toContain('[ccglm demo] created src/new.ts');
    expect(lines).toContain('[ccglm demo] skipping ../escape.txt: outside the worktree');
    expect(lines).toContain('[ccglm demo] created data.json');
    // A folder in the location list gets a file of its own in it (not a file of the folder's name).
    expect(lines).toContain('[ccglm demo] created src/components/ccglm-demo-T2.md');
    const sha = gitOut(repo, 'rev-parse', '--short', 'HEAD');
    expect(lines).toContain(
      `Summary: the ccglm demo agent edited 4 file(s) (README.md, src/new.ts, data.json, src/components/ccglm-demo-T2.md) and committed ${sha}. Validation: none (this is a demonstration).`,
    );
    expect(readFileSync(path.join(repo, 'README.md'), 'utf8')).toBe(
      '# Demo\n<!-- ccglm demo agent: edit for task T2 -->\n',
    );
    expect(JSON.parse(readFileSync(path.join(repo, 'data.json'), 'utf8'))).toEqual({
      ccglmDemo: 'T2',
    });
    expect(existsSync(path.join(tmp.dir, 'escape.txt'))).toBe(false);
    expect(gitOut(repo, 'log', '-1', '--format=%s')).toBe('T2: Docs and code (ccglm demo)');
    expect(gitOut(repo, 'log', '-1', '--format=%(trailers:only,unfold)')).toBe(
      'Feature-Key: bd-42\nAgent: ccglm-demo',
    );
    expect(gitOut(repo, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual([
      'README.md',
      'data.json',
      'src/components/ccglm-demo-T2.md',
      'src/new.ts',
    ]);
    expect(gitOut(repo, 'status', '--porcelain')).toBe('');
  });

  it('outside a git repository: exit 1 with one clear line', async () => {
    const bare = path.join(tmp.dir, 'not-a-repo');
    mkdirSync(bare);
    const result = await runCcglm(['headless', '--agent', 'demo'], {
      cwd: bare,
      env: {
        PATH: isolatedPath(tmp.dir),
        HOME: tmp.dir,
        CCGLM_DEMO_DELAY_MS: '0',
        GIT_CEILING_DIRECTORIES: tmp.dir,
      },
      stdin: renderPrompt({ plan, planPath: 'p.md', taskId: 'T2' }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `[ccglm demo] ERROR: git commit failed in ${bare}: fatal: not a git repository`,
    );
  });
});
