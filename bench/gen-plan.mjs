// Deterministic synthetic plans for the benchmarks: N tasks in waves of ~10, each with a few deps,
// locations, a status and a short log (about 370 bytes a task, like real plans).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function generatePlan(count, { logLines = 1 } = {}) {
  const lines = [
    `# Plan: Synthetic ${count}`,
    '',
    '## Overview',
    `Generated plan of ${count} tasks.`,
    '',
    '## Tasks',
    '',
  ];
  for (let i = 1; i <= count; i += 1) {
    const deps = [];
    if (i > 10) deps.push(`T${i - 10}`);
    if (i > 23 && i % 3 === 0) deps.push(`T${i - 23}`);
    lines.push(
      `### T${i}: Task number ${i}`,
      `- **depends_on**: [${deps.join(', ')}]`,
      `- **repo**: app`,
      `- **location**:`,
      `  - src/module${i}/index.ts`,
      `  - src/module${i}/util.ts`,
      `- **description**: Implement part ${i} of the feature with tests and docs.`,
      `- **validation**: npm test -- module${i}`,
      `- **status**: ${i % 4 === 0 ? 'Completed' : 'Not Started'}`,
      `- **log**:${logLines > 1 ? '' : ' [empty - agent fills]'}`,
      ...(logLines > 1
        ? Array.from(
            { length: logLines },
            (_, k) =>
              `  - step ${k}: did a thing to module ${i}, with a long explanation of what changed and why it matters here.`,
          )
        : []),
      `- **files edited**: [empty - agent fills]`,
      '',
    );
  }
  return lines.join('\n');
}

/** The run benchmark's depth (bench/run.mjs; the ETA test, test/report/eta-run.test.ts). */
export const LEVELS = 8;

/** Deterministic DAG: 8 levels of ~N/8 tasks; each task depends on 1–3 tasks of the level before. */
export function makeDag(count = 100) {
  const tasks = [];
  const perLevel = Array.from(
    { length: LEVELS },
    (_, l) => Math.floor(count / LEVELS) + (l < count % LEVELS ? 1 : 0),
  );
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let previous = [];
  for (let level = 0; level < LEVELS; level += 1) {
    const current = [];
    for (let i = 0; i < perLevel[level]; i += 1) {
      const id = `T${tasks.length + 1}`;
      const deps = new Set();
      if (previous.length > 0) {
        const picks = 1 + Math.floor(random() * 3);
        for (let k = 0; k < picks; k += 1)
          deps.add(previous[Math.floor(random() * previous.length)]);
      }
      tasks.push({ id, deps: [...deps] });
      current.push(id);
    }
    previous = current;
  }
  return tasks;
}

/** A git repository `app` in `dir` with one commit (the benchmarks' and the report fixtures'). */
export function makeRepo(dir) {
  const repo = path.join(dir, 'app');
  mkdirSync(repo, { recursive: true });
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@example.invalid');
  writeFileSync(path.join(repo, 'README.md'), '# app\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
}

/** A benchmark plan: `tasks` ({id, deps}) in repo `app`, each editing `<id>.txt`. */
export function benchPlan(title, tasks) {
  const lines = [`# Plan: ${title}`, '', '## Tasks', ''];
  for (const t of tasks)
    lines.push(
      `### ${t.id}: Task ${t.id}`,
      `- **depends_on**: [${t.deps.join(', ')}]`,
      '- **repo**: app',
      `- **location**: \`${t.id}.txt\``,
      `- **description**: ${t.id}`,
      '- **status**: Not Started',
      '',
    );
  return lines.join('\n');
}

/** `count` tasks T1…Tcount without dependencies. */
export const independent = (count) =>
  Array.from({ length: count }, (_, i) => ({ id: `T${i + 1}`, deps: [] }));
