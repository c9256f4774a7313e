#!/usr/bin/env node
// Records the run fixtures of the report's golden tests (test/report/metrics.test.ts): each one a
// real `ccglm run` (the built CLI) with the tests' fake agent in a temp sandbox; kept are the plan
// as the run left it and the run's event record, the sandbox's folder replaced by /sandbox.
// Run after `npm run build`: node test/report/record-fixtures.mjs [name...]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRepo } from '../../bench/gen-plan.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin', 'ccglm.js');
const agent = `/bin/sh ${path.join(root, 'test', 'run', 'fake-agent.sh')}`;
const out = path.join(root, 'test', 'report', 'fixtures');

function task(id, deps) {
  return [
    `### ${id}: Task ${id}`,
    `- **depends_on**: [${deps.join(', ')}]`,
    '- **repo**: app',
    '- **location**:',
    `  - ${id}.txt`,
    `- **description**: Do ${id}.`,
    `- **validation**: ${id}.txt exists`,
    '- **status**: Not Started',
    '- **log**: [empty - agent fills]',
    '- **files edited**: [empty - agent fills]',
    '',
  ].join('\n');
}
const planText = [
  '# Plan: Report fixture',
  '',
  '## Overview',
  'Five tasks in three waves.',
  '',
  '## Tasks',
  '',
  task('T1', []),
  task('T2', []),
  task('T3', ['T1']),
  task('T4', ['T1', 'T2']),
  task('T5', ['T3', 'T4']),
  '## Notes',
  '',
  'None.',
  '',
].join('\n');

function sandbox() {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-fixture-'));
  makeRepo(dir);
  for (const sub of ['home', 'marks']) mkdirSync(path.join(dir, sub));
  writeFileSync(path.join(dir, 'report-plan.md'), planText);
  return dir;
}

function args(dir, extra = []) {
  return [
    bin,
    'run',
    path.join(dir, 'report-plan.md'),
    '--json',
    '--agent-cmd',
    agent,
    '--repos',
    dir,
    '--log-dir',
    path.join(dir, 'jobs'),
    '--worktree-root',
    path.join(dir, 'wt'),
    '--no-pty',
    ...extra,
  ];
}
const envOf = (dir, extra) => {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^(ANTHROPIC_|CC_GLM_|CCGLM_|CLAUDE_|ZAI_|XDG_STATE_HOME$)/.test(key),
    ),
  );
  return { ...clean, HOME: path.join(dir, 'home'), FAKE_MARKS: path.join(dir, 'marks'), ...extra };
};

function save(name, dir) {
  const runs = path.join(dir, 'home', '.local', 'state', 'ccglm', 'runs');
  const record = readdirSync(runs).find((f) => f.endsWith('.events.jsonl'));
  const target = path.join(out, name);
  mkdirSync(target, { recursive: true });
  const clean = (text) => text.split(dir).join('/sandbox');
  writeFileSync(
    path.join(target, 'plan.md'),
    clean(readFileSync(path.join(dir, 'report-plan.md'), 'utf8')),
  );
  writeFileSync(
    path.join(target, 'events.jsonl'),
    clean(readFileSync(path.join(runs, record), 'utf8')),
  );
  rmSync(dir, { recursive: true, force: true });
  console.log(`recorded ${name}`);
}

function until(child, pattern) {
  return new Promise((resolve) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (pattern.test(text)) resolve();
    });
  });
}

const fixtures = {
  completed: async (dir) => {
    spawnSync(process.execPath, args(dir), { env: envOf(dir, { FAKE_SLEEP_MS: '300' }) });
  },
  failed: async (dir) => {
    spawnSync(process.execPath, args(dir), {
      env: envOf(dir, { FAKE_SLEEP_MS: '300', FAKE_FAIL: 'T1' }),
    });
  },
  'rate-limited': async (dir) => {
    spawnSync(process.execPath, args(dir, ['--strategy', 'eager']), {
      env: envOf(dir, {
        FAKE_SLEEP_MS: '300',
        FAKE_FAIL_FIRST: 'T2',
        FAKE_SAY_T2: 'API Error: 429 Too Many Requests, retry after 1 seconds',
      }),
    });
  },
  // Killed (SIGKILL) while wave 2 runs: the record has no run.end.
  interrupted: async (dir) => {
    const child = spawn(process.execPath, args(dir), {
      env: envOf(dir, {
        FAKE_SLEEP_MS: '300',
        FAKE_SLEEP_MS_T3: '20000',
        FAKE_SLEEP_MS_T4: '20000',
      }),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await until(child, /"task.start"[^\n]*"T4"/);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // Its agents run on under their host: stopped here.
    for (const pid of readdirSync(path.join(dir, 'jobs')).filter((f) => f.endsWith('.pid')))
      try {
        process.kill(Number(readFileSync(path.join(dir, 'jobs', pid), 'utf8')), 'SIGKILL');
      } catch {
        /* gone */
      }
  },
  // Killed after T1's end, then `--resume`: a chain of two runs, the second adopting the first's jobs.
  resumed: async (dir) => {
    const env = envOf(dir, { FAKE_SLEEP_MS: '300', FAKE_SLEEP_MS_T2: '1500' });
    const child = spawn(process.execPath, args(dir), { env, stdio: ['ignore', 'pipe', 'ignore'] });
    await until(child, /"task.end"[^\n]*"T1"/);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    spawnSync(process.execPath, args(dir, ['--resume']), { env });
  },
};

for (const [name, record] of Object.entries(fixtures)) {
  if (process.argv.length > 2 && !process.argv.slice(2).includes(name)) continue;
  const dir = sandbox();
  await record(dir);
  save(name, dir);
}
