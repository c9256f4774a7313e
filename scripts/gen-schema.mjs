#!/usr/bin/env node
// Generates schemas/plan.schema.json (JSON Schema 2020-12) from the TypeScript type of
// `ccglm compile`'s output, so the schema has one source: src/graph/compile.ts's CompiledPlan.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

export function generateSchema() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const schema = createGenerator({
    path: `${root}src/graph/compile.ts`,
    tsconfig: `${root}tsconfig.json`,
    type: 'CompiledPlan',
    expose: 'export',
    skipTypeCheck: true,
    additionalProperties: false,
  }).createSchema('CompiledPlan');
  // 2020-12 keeps its definitions under $defs.
  const text = JSON.stringify(schema).replaceAll('"#/definitions/', '"#/$defs/');
  const { definitions, $schema: _draft, ...rest } = JSON.parse(text);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/ccglm/ccglm/schemas/plan.schema.json',
    title: 'ccglm compiled plan (ccglm compile PLAN)',
    ...rest,
    $defs: definitions,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../schemas/plan.schema.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(generateSchema(), null, 2)}\n`);
  console.log(`wrote ${out}`);
}
