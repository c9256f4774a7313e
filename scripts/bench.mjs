#!/usr/bin/env node
// `npm run bench`: every benchmark under bench/ in turn (they print figures and ratios; none gates CI).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../bench/', import.meta.url));
const only = process.argv.slice(2);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && f !== 'gen-plan.mjs')
  .sort()) {
  if (only.length > 0 && !only.some((name) => file.includes(name))) continue;
  console.log(`\n=== bench/${file}`);
  const result = spawnSync(process.execPath, [`${dir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) console.log(`bench/${file} exited ${result.status}`);
}
