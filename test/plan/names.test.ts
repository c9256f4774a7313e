/**
 * Task names keep their text as written (underscores, code, emphasis) everywhere a user or an
 * agent sees them: waves (text, JSON, mermaid, dot), compile, the agent's prompt. The run's commit
 * messages and PR texts are `${id}: ${name}` of the same compiled task.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { runCcglm as run } from '../agent/helpers.js';

const runCcglm = (args: string[]) =>
  run(args, { cwd: packageRoot, env: { PATH: process.env['PATH'] ?? '', HOME: packageRoot } });

const plan = path.join(packageRoot, 'fixtures', 'plans', 'names.md');
const NAMES = [
  'T1: Implement `go2rtc_process_write_override_file`',
  'T_F.3: Wire *the* __setting__ into `read_config_v2`',
  'T4: Bold id, name with a_b_c',
];

describe('names as written', () => {
  it('waves text, mermaid and dot show every name unchanged', async () => {
    const text = await runCcglm(['waves', plan]);
    expect(text.code).toBe(0);
    for (const name of NAMES) expect(text.stdout).toContain(name.replace(': ', '  '));
    const mermaid = await runCcglm(['waves', '--format', 'mermaid', plan]);
    for (const name of NAMES) expect(mermaid.stdout).toContain(`["${name}"]`);
    const dot = await runCcglm(['waves', '--format', 'dot', plan]);
    for (const name of NAMES) expect(dot.stdout).toContain(`label="${name}"`);
  });

  it('waves JSON and compile carry the names unchanged', async () => {
    const expected = NAMES.map((name) => name.slice(name.indexOf(': ') + 2));
    const waves = JSON.parse((await runCcglm(['waves', '--format', 'json', plan])).stdout) as {
      waves: { tasks: { name: string }[] }[];
    };
    expect(waves.waves.flatMap((wave) => wave.tasks.map((task) => task.name))).toEqual(expected);
    const compiled = JSON.parse((await runCcglm(['compile', plan])).stdout) as {
      plan: { tasks: { id: string; name: string }[] };
    };
    expect(compiled.plan.tasks.map((task) => task.name)).toEqual(expected);
    expect(compiled.plan.tasks.map((task) => task.id)).toEqual(['T1', 'T_F.3', 'T4']);
  });

  it("the agent's prompt names the task as written", async () => {
    const prompt = await runCcglm(['prompt', plan, 'T_F.3']);
    expect(prompt.code).toBe(0);
    expect(prompt.stdout).toContain(NAMES[1]);
    expect(prompt.stdout).toContain('  - T1: Implement `go2rtc_process_write_override_file`');
  });
});
