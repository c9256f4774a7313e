#!/usr/bin/env node
// Job runner benchmarks (prints figures; no gating). Run after `npm run build`:
//   node bench/jobs.mjs [--quick]
// 1. `ccglm job status` / `health` over 200 and 1,000 synthetic job records (dead and live pids).
// 2. The watchdog's CPU with 20 live idle jobs at a 1 s interval (from /proc/<pid>/stat).
// 3. Each job host's RSS (PTY and pipe hosts).
// 4. Handoff: from an agent's exit to waitForJobEnd resolving (fs.watch path).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'ccglm.js');
const jobs = await import(path.join(root, 'dist', 'jobs', 'index.js'));
const quick = process.argv.includes('--quick');
const TICKS = 100;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const statOf = (pid) => {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { cpu: (Number(f[11]) + Number(f[12])) / TICKS, start: f[19] };
};
const rssMb = (pid) => {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) / 1024;
};

function timeCommand(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, 'job', ...args], { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (r.status !== 0) throw new Error(`ccglm job ${args.join(' ')}: ${r.stderr}`);
  }
  return median(times);
}

/** n records: 90 % finished (dead pid + outcome), 10 % pointing at live sleeping processes. */
function makeRecords(dir, n, livePids) {
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const id = `bd-${String(i).padStart(4, '0')}`;
    const live = i % 10 === 0 ? livePids[i % livePids.length] : undefined;
    const pid = live?.pid ?? 4_000_000 + i;
    const meta = [
      `beads=${id}`,
      'repo=bench',
      `worktree=${dir}/wt-${id}`,
      `prompt_file=${dir}/p`,
      `started_at=${new Date(now - 600_000).toISOString().replace(/\.\d+Z/, 'Z')}`,
      'retries=0',
      'use_pty=true',
      'version=bench',
      `launch_state=${live ? 'running' : 'exited'}`,
      `pid=${pid}`,
      `pid_start_time=${live?.start ?? 1}`,
    ];
    fs.writeFileSync(path.join(dir, `${id}.meta`), `${meta.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, `${id}.pid`), `${pid}\n`);
    fs.writeFileSync(path.join(dir, `${id}.log`), 'line\n'.repeat(20));
    if (!live) {
      fs.writeFileSync(
        path.join(dir, `${id}.outcome`),
        `beads=${id}\nrun_id=r\nexit_code=${i % 7 === 0 ? 1 : 0}\nstate=${i % 7 === 0 ? 'failed' : 'success'}\ncompleted_at=2026-01-01T00:00:00Z\nduration_sec=1\nretries=0\n`,
      );
    }
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ccglm-bench-jobs-'));
const sleepers = Array.from({ length: 10 }, () => spawn('sleep', ['600'], { stdio: 'ignore' }));
await sleep(100);
const livePids = sleepers.map((child) => ({ pid: child.pid, start: statOf(child.pid).start }));
const runs = quick ? 3 : 5;
try {
  console.log('## status / health over synthetic records (median of %d, whole process)', runs);
  for (const n of [200, 1000]) {
    const dir = path.join(tmp, `records-${n}`);
    fs.mkdirSync(dir);
    makeRecords(dir, n, livePids);
    const status = timeCommand(['status', '--log-dir', dir], runs);
    const health = timeCommand(['health', '--log-dir', dir], runs);
    const target = n === 200 ? 0.3 : 0.5;
    console.log(
      `${String(n).padStart(5)} jobs: status ${status.toFixed(3)} s, health ${health.toFixed(3)} s (target <= ${target} s)`,
    );
  }
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  const floor = timeCommand(['status', '--log-dir', empty], runs);
  console.log(`    0 jobs: status ${floor.toFixed(3)} s (the node + CLI start-up floor)`);

  console.log('\n## 20 live idle jobs: watchdog CPU at --interval 1, host RSS');
  const live = path.join(tmp, 'live');
  fs.mkdirSync(live);
  fs.writeFileSync(path.join(live, 'p'), 'prompt\n');
  const hosts = [];
  for (let i = 0; i < 20; i++) {
    const started = await jobs.startJob({
      id: `idle-${i}`,
      logDir: live,
      promptFile: path.join(live, 'p'),
      worktree: live,
      command: ['sleep', '600'],
      pty: i % 2 === 0,
    });
    if (!started.ok) throw new Error(started.message);
    const meta = jobs.readMeta(live, `idle-${i}`);
    hosts.push({ pid: Number(meta.host_pid), pty: i % 2 === 0 });
  }
  const watchdog = spawn(
    process.execPath,
    [bin, 'job', 'watchdog', '--log-dir', live, '--interval', '1', '--observe-only'],
    {
      stdio: 'ignore',
    },
  );
  const seconds = quick ? 8 : 20;
  await sleep(2000);
  const before = statOf(watchdog.pid).cpu;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const used = statOf(watchdog.pid).cpu - before;
  const wall = (Date.now() - t0) / 1000;
  console.log(
    `watchdog: ${used.toFixed(2)} s CPU over ${wall.toFixed(1)} s = ${((used / wall) * 100).toFixed(2)} % of a core (target <= 2 %), RSS ${rssMb(watchdog.pid).toFixed(1)} MB`,
  );
  watchdog.kill('SIGTERM');
  const ptyRss = hosts.filter((h) => h.pty).map((h) => rssMb(h.pid));
  const pipeRss = hosts.filter((h) => !h.pty).map((h) => rssMb(h.pid));
  const hostCpu = hosts.map((h) => statOf(h.pid).cpu);
  console.log(
    `host RSS, PTY hosts:  median ${median(ptyRss).toFixed(1)} MB, max ${Math.max(...ptyRss).toFixed(1)} MB (target <= 60 MB)`,
  );
  console.log(
    `host RSS, pipe hosts: median ${median(pipeRss).toFixed(1)} MB, max ${Math.max(...pipeRss).toFixed(1)} MB`,
  );
  console.log(`host CPU so far (start-up included): median ${median(hostCpu).toFixed(2)} s`);
  for (let i = 0; i < 20; i++) await jobs.stopJob(live, `idle-${i}`, { graceMs: 500 });

  console.log('\n## handoff: agent exit -> waitForJobEnd resolves');
  const handoff = path.join(tmp, 'handoff');
  fs.mkdirSync(handoff);
  fs.writeFileSync(path.join(handoff, 'p'), 'prompt\n');
  const latencies = [];
  for (let i = 0; i < (quick ? 5 : 15); i++) {
    const stamp = path.join(handoff, `stamp-${i}`);
    // The agent records its last moment (ms since epoch) and exits.
    const script = `require('fs').writeFileSync(${JSON.stringify(stamp)}, String(Date.now()))`;
    await jobs.startJob({
      id: `h${i}`,
      logDir: handoff,
      promptFile: path.join(handoff, 'p'),
      command: [process.execPath, '-e', script],
      pty: i % 2 === 0,
    });
    await jobs.waitForJobEnd(handoff, `h${i}`);
    latencies.push(Date.now() - Number(fs.readFileSync(stamp, 'utf8')));
  }
  console.log(
    `median ${median(latencies)} ms, max ${Math.max(...latencies)} ms (target median <= 100 ms)`,
  );
} finally {
  for (const child of sleepers) child.kill();
  execFileSync('rm', ['-rf', tmp]);
}
