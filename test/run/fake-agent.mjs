#!/usr/bin/env node
// A fake agent for `ccglm run` tests (run via --agent-cmd): records each invocation, then writes
// `<task>.txt` in its worktree and commits it. FAKE_FAIL=T2,T3 makes those tasks exit 1;
// FAKE_FAIL_FIRST=T1 fails only the first run; FAKE_NOCOMMIT=T1 exits 0 without committing; FAKE_SLEEP_MS delays before working;
// FAKE_FILE_<task>=path writes that path instead (to make conflicts); FAKE_SAY_<task> prints a line;
// FAKE_IGNORE_TERM=1 ignores SIGTERM (only SIGKILL stops it); FAKE_SLEEP_MS_<task> delays that task alone.
// Each run also records its argv and its ANTHROPIC_*/CC_GLM_*/CCGLM_PROVIDER environment in <task>.env.json.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

if (process.env.FAKE_IGNORE_TERM) process.on('SIGTERM', () => {});
const task = process.env.CCGLM_TASK_ID ?? 'unknown';
const marks = process.env.FAKE_MARKS;
if (marks) {
  appendFileSync(path.join(marks, `${task}.runs`), `${process.pid}\n`);
  const keys = Object.keys(process.env).filter((k) =>
    /^(ANTHROPIC_|CC_GLM_|CCGLM_PROVIDER$)/.test(k),
  );
  const env = Object.fromEntries(keys.sort().map((k) => [k, process.env[k]]));
  writeFileSync(
    path.join(marks, `${task}.env.json`),
    JSON.stringify({ argv: process.argv.slice(2), env }),
  );
}
const prompt = readFileSync(process.env.CCGLM_PROMPT_FILE, 'utf8');
console.log(`fake agent: ${task} got a prompt of ${prompt.split('\n').length} lines`);
const sleep = Number(process.env[`FAKE_SLEEP_MS_${task}`] ?? process.env.FAKE_SLEEP_MS ?? 0);
if (sleep > 0) await new Promise((resolve) => setTimeout(resolve, sleep));
const list = (name) => (process.env[name] ?? '').split(',').filter(Boolean);
if (process.env[`FAKE_SAY_${task}`]) console.log(process.env[`FAKE_SAY_${task}`]);
const runs = marks
  ? readFileSync(path.join(marks, `${task}.runs`), 'utf8')
      .trim()
      .split('\n').length
  : 1;
if (list('FAKE_FAIL').includes(task) || (list('FAKE_FAIL_FIRST').includes(task) && runs === 1)) {
  console.log(`fake agent: ${task} fails on purpose`);
  process.exit(1);
}
if (!list('FAKE_NOCOMMIT').includes(task)) {
  const file = process.env[`FAKE_FILE_${task}`] ?? `${task}.txt`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${task} was here\n`);
  execFileSync('git', ['add', file]);
  execFileSync('git', [
    '-c',
    'user.name=fake',
    '-c',
    'user.email=fake@example.invalid',
    'commit',
    '-q',
    '-m',
    `${task}: work\n\nFeature-Key: test\nAgent: fake`,
  ]);
}
console.log(`Summary: ${task} done by the fake agent`);
