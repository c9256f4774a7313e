#!/usr/bin/env node
// Memory of ccglm's own processes while N agents run at once: a plan of N independent tasks whose
// agent (a shell script) holds for BENCH_HOLD_MS, then commits, run with unlimited concurrency; while every agent
// runs, the resident memory (VmRSS) of ccglm's processes — the run, its job host, any `ccglm
// headless`, the shell holding a --pty agent's terminal — is summed (agents, their shells and git
// are not ccglm's). The peak of those sums is
// printed for N = 20 and N = 40, and the growth per extra running agent between them.
// Run: node bench/memory.mjs (after npm run build). Knobs: BENCH_AGENTS=20,40,
// BENCH_VARIANTS=default,pty, BENCH_BASELINE=DIR (another built checkout, side by side),
// BENCH_HOLD_MS=10000.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchPlan, independent } from './gen-plan.mjs';
import { ccglmRunArgs } from './run-args.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const counts = (process.env.BENCH_AGENTS ?? '20,40').split(',').map(Number);
const variants = (process.env.BENCH_VARIANTS ?? 'default').split(',');
const holdMs = Number(process.env.BENCH_HOLD_MS ?? 10000);
const sides = [{ label: 'ccglm', root }];
if (process.env.BENCH_BASELINE)
  sides.push({ label: 'baseline', root: path.resolve(process.env.BENCH_BASELINE) });

/** pid -> {cmdline, rss kB} of every process now. */
function processes() {
  const all = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      all.push({ pid: Number(name), cmdline, rss: Number.isNaN(rss) ? 0 : rss });
    } catch {
      // gone
    }
  }
  return all;
}

async function measure(side, variant, n) {
  const dir = mkdtempSync('/tmp/ccglm-bench-mem-');
  const repo = path.join(dir, 'app');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git(
    '-c',
    'user.name=b',
    '-c',
    'user.email=b@example.invalid',
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'init',
  );
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@example.invalid');
  const plan = path.join(dir, 'mem-plan.md');
  writeFileSync(plan, benchPlan('Memory bench', independent(n)));
  // The agent: holds, then commits its file (a shell and git, as bench/agent.sh, not ccglm's).
  const agent = path.join(dir, 'agent.sh');
  writeFileSync(
    agent,
    `sleep ${holdMs / 1000}\nprintf x > "$CCGLM_TASK_ID.txt" && git add -A && git commit -q -m "$CCGLM_TASK_ID: work"\n`,
  );
  const bin = path.join(side.root, 'bin', 'ccglm.js');
  const flags = variant === 'pty' ? ['--pty'] : variant === 'no-pty' ? ['--no-pty'] : [];
  const child = spawn(
    process.execPath,
    ccglmRunArgs({ bin, plan, dir, strategy: 'eager', agentCmd: `sh ${agent}`, flags }),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.resume();
  child.stderr.resume();
  const ended = new Promise((resolve) => child.on('exit', resolve));
  // Sampled all along; the peak counts only while every agent runs (on a loaded machine the first
  // may end before the last starts: then the most agents seen together is reported instead).
  let peak = { kb: 0, count: 0, agents: 0 };
  // ccglm's: its Node processes, and with --pty the shell that holds each agent's terminal open
  // (src/jobs/host-pty.ts: `/bin/sh -c m=$1…`, then `cat` once the agent has ended).
  const mine = (p) =>
    (p.cmdline.startsWith(process.execPath) &&
      (p.cmdline.includes(bin) || p.cmdline.includes(path.join(side.root, 'dist')))) ||
    p.cmdline.startsWith('/bin/sh -c m=$1');
  let done = false;
  void ended.then(() => (done = true));
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const all = processes();
    const agents = all.filter((p) => !mine(p) && p.cmdline.includes(agent)).length;
    const ours = all.filter(mine);
    const kb = ours.reduce((sum, p) => sum + p.rss, 0);
    if (agents > peak.agents || (agents === peak.agents && kb > peak.kb))
      peak = { kb, count: ours.length, agents };
  }
  rmSync(dir, { recursive: true, force: true });
  return peak;
}

console.log(
  `ccglm's own processes' RSS while N agents run (each holds ${holdMs} ms; peak of samples every 200 ms) (${new Date().toISOString()})`,
);
for (const side of sides)
  for (const variant of variants) {
    const peaks = [];
    for (const n of counts) peaks.push(await measure(side, variant, n));
    const text = peaks
      .map(
        (p, i) =>
          `${counts[i]} agents: ${(p.kb / 1024).toFixed(0)} MB in ${p.count} processes (${p.agents} agents seen running together)`,
      )
      .join('; ');
    const growth =
      peaks.length > 1
        ? `; growth per extra agent ${((peaks.at(-1).kb - peaks[0].kb) / 1024 / (counts.at(-1) - counts[0])).toFixed(2)} MB`
        : '';
    console.log(`  ${`${side.label} ${variant}`.padEnd(18)} ${text}${growth}`);
  }
