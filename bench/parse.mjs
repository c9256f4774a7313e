#!/usr/bin/env node
// The plan compiler's speed, whole `ccglm validate` process, medians of interleaved runs; and, side
// by side, remark-parse on a whole plan in one go (what the chunked parse avoids).
// Run: node bench/parse.mjs   (after npm run build). Prints figures and ratios; never gates CI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { generatePlan } from './gen-plan.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'ccglm.js');
const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-bench-parse-'));
const RUNS = Number(process.env.RUNS ?? 5);

const plans = {
  '2,000 tasks': generatePlan(2000),
  '10,000 tasks': generatePlan(10000),
  '~115 KB, 40 tasks, long logs': generatePlan(40, { logLines: 24 }),
};
const files = Object.fromEntries(
  Object.entries(plans).map(([name, text], i) => {
    const file = path.join(dir, `plan-${i}.md`);
    writeFileSync(file, text);
    return [name, file];
  }),
);

const time = (args) => {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`ccglm ${args.join(' ')} exited ${result.status}`);
  return seconds;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const samples = { 'start-up floor (--version)': [] };
for (const name of Object.keys(files)) samples[name] = [];
for (let run = 0; run < RUNS; run += 1) {
  samples['start-up floor (--version)'].push(time(['--version']));
  for (const [name, file] of Object.entries(files)) samples[name].push(time(['validate', file]));
}

console.log(
  `ccglm validate, whole process, median of ${RUNS} interleaved runs (${new Date().toISOString()})`,
);
for (const [name, values] of Object.entries(samples)) {
  const size =
    files[name] !== undefined ? ` (${(statSync(files[name]).size / 1024).toFixed(0)} KB)` : '';
  console.log(`  ${name.padEnd(30)} ${median(values).toFixed(3)} s${size}`);
}
const t2k = median(samples['2,000 tasks']);
const t10k = median(samples['10,000 tasks']);
const t115 = median(samples['~115 KB, 40 tasks, long logs']);
console.log(
  `  10,000 / 2,000 ratio            ${(t10k / t2k).toFixed(2)} (linear ≈ 5; target ≤ 5.5)`,
);
console.log(
  `  targets: 10,000 tasks ≤ 8 s: ${t10k <= 8 ? 'met' : 'MISSED'}; ratio ≤ 5.5: ${t10k / t2k <= 5.5 ? 'met' : 'MISSED'}; 115 KB ≤ 0.3 s: ${t115 <= 0.3 ? 'met' : 'MISSED'}`,
);

// Side by side: remark-parse on the whole text in one parse (in-process, parse only) against
// ccglm's chunked parse of the same text through the same remark, and the whole compile.
console.log(
  '\nremark-parse on a whole plan in one go, vs ccglm compile (remark in ~2 KB chunks), in-process:',
);
const { compilePlan } = await import(path.join(root, 'dist', 'graph', 'compile.js'));
const processor = unified().use(remarkParse);
for (const count of [250, 500, 1000]) {
  const text = generatePlan(count);
  let start = performance.now();
  processor.parse(text);
  const naive = (performance.now() - start) / 1000;
  start = performance.now();
  compilePlan(text, 'bench.md');
  const ours = (performance.now() - start) / 1000;
  console.log(
    `  ${String(count).padStart(5)} tasks: remark whole ${naive.toFixed(2)} s, ccglm compile ${ours.toFixed(3)} s, ratio ${(naive / ours).toFixed(0)}×`,
  );
  if (naive > 5) break;
}
rmSync(dir, { recursive: true, force: true });
