// Deterministic synthetic plans for the benchmarks: N tasks in waves of ~10, each with a few deps,
// locations, a status and a short log (about 370 bytes a task, like real plans).
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
