import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../src/graph/compile.js';
import {
  generateConfigChecker,
  generateConfigSchema,
  generateSchema,
  // @ts-expect-error: a plain .mjs script without types
} from '../scripts/gen-schema.mjs';
import { loadConfig } from '../src/config-file.js';

const committed = JSON.parse(
  readFileSync(new URL('../schemas/plan.schema.json', import.meta.url), 'utf8'),
);

describe('schemas/plan.schema.json', () => {
  it('matches the TypeScript types (regenerate with: node scripts/gen-schema.mjs)', () => {
    expect(generateSchema()).toEqual(committed);
  }, 60_000);

  it('validates what ccglm compile prints, for valid and invalid plans', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(committed);
    const dir = new URL('../fixtures/plans/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.md'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of [
      ...files.map((f) => new URL(f, dir)),
      new URL('../fixtures/demo/demo-plan.md', import.meta.url),
    ]) {
      const compiled = JSON.parse(
        JSON.stringify(compilePlan(readFileSync(file, 'utf8'), file.pathname)),
      );
      const ok = validate(compiled);
      expect(ok, `${file.pathname}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
});

describe('schemas/config.schema.json (ccglm.config.json)', () => {
  const read = (name: string) =>
    readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8');

  it('matches the TypeScript type, and its compiled checker matches it (node scripts/gen-schema.mjs)', () => {
    const schema = generateConfigSchema();
    expect(schema).toEqual(JSON.parse(read('config.schema.json')));
    expect(generateConfigChecker(schema)).toBe(read('config.schema.check.mjs'));
  }, 60_000);

  it('accepts agents and a validate section; refuses unknown keys, wrong types and bad codes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-config-'));
    const file = path.join(dir, 'ccglm.config.json');
    const load = (data: unknown) => {
      writeFileSync(file, JSON.stringify(data));
      return loadConfig(file);
    };
    try {
      const good = {
        $schema: 'https://github.com/ccglm/ccglm/schemas/config.schema.json',
        agents: { mine: { command: 'my-agent', args: ['-p'], prompt: 'stdin', auth: 'none' } },
        defaultAgent: 'mine',
        validate: { ignore: ['CCG309', 'ccg404'], strict: true, quiet: false },
      };
      await expect(load(good)).resolves.toEqual(good);
      await expect(load({ validate: { strict: 'yes' } })).rejects.toThrow(
        'validate.strict: expected true or false, got "yes"',
      );
      await expect(load({ validate: { ignore: ['W001'] } })).rejects.toThrow(
        'validate.ignore.0: expected a diagnostic code such as CCG309, got "W001"',
      );
      await expect(load({ agents: { x: { prompt: 'pipe' } } })).rejects.toThrow(
        'agents.x.prompt: expected one of stdin, file, got "pipe"',
      );
      await expect(load({ validat: {} })).rejects.toThrow(
        'validat: unknown key (did you mean "validate"?)',
      );
      // Each problem on its own line with the line it is on, in file order; an `anyOf` is one line.
      writeFileSync(
        file,
        '{\n  "run": {\n    "strategy": "x",\n    "concurrency": "abc"\n  },\n  "bogus": 1,\n  "validate": { "ignore": ["CCG309",\n    "W1"], "strict": null }\n}\n',
      );
      await expect(loadConfig(file)).rejects.toThrow(
        [
          `${file}:3: run.strategy: expected one of waves, eager, got "x"`,
          `${file}:4: run.concurrency: expected a whole number of tasks at once (at least 1), or "unlimited", got "abc"`,
          `${file}:6: bogus: unknown key; expected one of agents, defaultAgent, validate, run, targets`,
          `${file}:8: validate.ignore.1: expected a diagnostic code such as CCG309, got "W1"`,
          `${file}:8: validate.strict: expected true or false, got null`,
          '(the schema: schemas/config.schema.json)',
        ].join('\n'),
      );
      // A syntax error names its line and column and says what was expected.
      writeFileSync(file, '{\n  "run": {\n    "concurrency": 2,\n  }\n}\n');
      await expect(loadConfig(file)).rejects.toThrow(
        `${file}:4:3: expected a "key" in quotes (a comma after the last entry is not allowed)`,
      );
      // What the schema cannot say: a named agent exists, a new agent has its command.
      writeFileSync(
        file,
        '{\n  "agents": {\n    "mine": { "args": ["x"] },\n    "codex": { "args": ["exec"] }\n  },\n  "run": { "agent": "nosuch" }\n}\n',
      );
      await expect(loadConfig(file)).rejects.toThrow(
        [
          `${file}:3: agents.mine: a new agent needs "command" (the program to run)`,
          `${file}:6: run.agent: unknown agent "nosuch"; expected one of claude, codex, opencode, demo, mine`,
        ].join('\n'),
      );
      // An object key made of digits is a key (its line found), a byte order mark is no problem.
      writeFileSync(file, '\uFEFF{\n  "agents": {\n    "123": { "args": [] }\n  }\n}\n');
      await expect(loadConfig(file)).rejects.toThrow(
        `${file}:3: agents.123: a new agent needs "command" (the program to run)`,
      );
      writeFileSync(file, '\n');
      await expect(loadConfig(file)).rejects.toThrow(
        `${file}: the file is empty (write {} for no settings)`,
      );
      writeFileSync(file, '{\n  // a comment\n}\n');
      await expect(loadConfig(file)).rejects.toThrow(
        `${file}:2:3: comments are not allowed in JSON`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
