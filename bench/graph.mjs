#!/usr/bin/env node
// The graph analysis alone (compilePlan minus parsePlan), medians of a few runs on 2k/10k-task plans.
// Run: node bench/graph.mjs   (after npm run build). Prints figures and ratios; never gates CI.
import { performance } from 'node:perf_hooks';
import { compilePlan } from '../dist/graph/compile.js';
import { parsePlan } from '../dist/plan/parse.js';
import { generatePlan } from './gen-plan.mjs';

const RUNS = Number(process.env.RUNS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn) {
  const times = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

for (const count of [2000, 10000]) {
  const text = generatePlan(count);
  compilePlan(text, 'plan.md'); // warm up the JIT so parse and compile are timed alike
  const parse = time(() => parsePlan(text, 'plan.md'));
  const compile = time(() => compilePlan(text, 'plan.md', { concurrency: 8 }));
  const graph = Math.max(0, compile - parse);
  const waves = compilePlan(text, 'plan.md').graph.waves.length;
  console.log(
    `${String(count).padStart(6)} tasks: compilePlan ${compile.toFixed(0)} ms = parse ${parse.toFixed(0)} ms + graph ${graph.toFixed(0)} ms (graph ${((graph / compile) * 100).toFixed(0)}% of compile; ${waves} waves)`,
  );
}
