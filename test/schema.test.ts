import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../src/graph/compile.js';
// @ts-expect-error: a plain .mjs script without types
import { generateSchema } from '../scripts/gen-schema.mjs';

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
