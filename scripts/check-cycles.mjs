#!/usr/bin/env node
// Circular imports among src/**/*.ts (value and type imports alike), and files over a line limit:
// node scripts/check-cycles.mjs [DIR=src] [MAX_LINES=400]. Exit 1 when a cycle is found.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? 'src');
const maxLines = Number(process.argv[3] ?? 400);
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => path.join(root, f));
const edges = new Map();
const long = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  if (lines > maxLines) long.push(`${path.relative(process.cwd(), file)} (${lines})`);
  const targets = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) =>
    path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.ts')),
  );
  edges.set(file, targets);
}
const cycles = [];
const state = new Map(); // 1: on the stack, 2: done
const stack = [];
function visit(file) {
  state.set(file, 1);
  stack.push(file);
  for (const next of edges.get(file) ?? []) {
    if (state.get(next) === 1)
      cycles.push(
        stack
          .slice(stack.indexOf(next))
          .concat(next)
          .map((f) => path.relative(root, f)),
      );
    else if (state.get(next) === undefined && edges.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 2);
}
for (const file of files) if (state.get(file) === undefined) visit(file);
for (const cycle of cycles) console.log(`cycle: ${cycle.join(' -> ')}`);
console.log(
  `${cycles.length} cycle(s) among ${files.length} files under ${path.relative(process.cwd(), root) || '.'}`,
);
if (long.length > 0) console.log(`over ${maxLines} lines: ${long.join(', ')}`);
process.exit(cycles.length > 0 ? 1 : 0);
