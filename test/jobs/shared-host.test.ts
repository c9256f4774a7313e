import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SharedHost,
  jobFiles,
  readJob,
  readMeta,
  runWatchdogPass,
  startJob,
  stopJob,
  waitForJobEnd,
} from '../../src/jobs/index.js';
import { isProcessAlive } from '../../src/jobs/proc.js';
import { fake, makeJobDir, until } from './helpers.js';

let job: ReturnType<typeof makeJobDir>;
let host: SharedHost;
beforeEach(() => {
  job = makeJobDir('ccglm-shared-');
  host = new SharedHost();
});
afterEach(async () => {
  host.close();
  await job.cleanup();
});

const start = (
  id: string,
  command: string[],
  extra: Partial<Parameters<typeof startJob>[0]> = {},
) => startJob({ id, logDir: job.logDir, promptFile: job.promptFile, command, host, ...extra });

describe('one host process for many jobs (ccglm run)', () => {
  it('hosts jobs side by side with their own logs and outcomes, and exits after the last once closed', async () => {
    const a = await start('a', [fake('exit-with'), '0']);
    const b = await start('b', [fake('exit-with'), '4'], { pty: true });
    expect(a.ok && b.ok).toBe(true);
    const [endA, endB] = await Promise.all([
      waitForJobEnd(job.logDir, 'a'),
      waitForJobEnd(job.logDir, 'b'),
    ]);
    expect(endA).toMatchObject({ kind: 'outcome', outcome: { exit_code: 0, state: 'success' } });
    expect(endB).toMatchObject({ kind: 'outcome', outcome: { exit_code: 4, state: 'failed' } });
    const metaA = readMeta(job.logDir, 'a') ?? {};
    const metaB = readMeta(job.logDir, 'b') ?? {};
    expect(metaA['host_pid']).toBe(metaB['host_pid']);
    expect(metaA['host_shared']).toBe('true');
    expect(fs.readFileSync(jobFiles(job.logDir, 'b').log, 'utf8')).toContain('exiting 4');
    const hostPid = Number(metaA['host_pid']);
    // Finished jobs do not count as hosted: their host is not "alive" for them any more.
    expect(readJob(job.logDir, 'a').hostAlive).toBe(false);
    expect(isProcessAlive(hostPid)).toBe(true);
    host.close();
    await until(() => !isProcessAlive(hostPid, metaA['host_start_time']));
  });

  it("a stalled job of a run's host is left to its run by ccglm job watchdog: skipped, not restarted", async () => {
    const started = await start('mine', [fake('print-then-sleep')]);
    expect(started.ok).toBe(true);
    await until(() => readJob(job.logDir, 'mine').agentAlive);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const lines: string[] = [];
    const [decision] = await runWatchdogPass({
      logDir: job.logDir,
      stallSeconds: 0.5,
      print: (line) => lines.push(line),
    });
    expect(decision).toMatchObject({ health: 'stalled', action: 'skip', detail: 'run_job' });
    expect(lines).toEqual([
      "[mine] SKIP: a ccglm run's job (its run restarts or blocks it; after a dead run, ccglm run --resume)",
    ]);
    expect(readMeta(job.logDir, 'mine')?.['retries']).toBe('0');
  });

  it('tells its run when a job runs and when its outcome is written, so no one watches the log folder', async () => {
    const heard: string[] = [];
    const stop = host.watch(job.logDir, 'told', () => {
      const meta = readMeta(job.logDir, 'told') ?? {};
      heard.push(
        fs.existsSync(jobFiles(job.logDir, 'told').outcome)
          ? 'outcome'
          : String(meta['launch_state']),
      );
    });
    const other = host.watch(job.logDir, 'someone-else', () => heard.push('wrong job'));
    // The wait for the end polls once a minute here: only the host's notice can end it in time.
    const started = await start('told', ['sh', '-c', 'sleep 0.3']);
    expect(started.ok).toBe(true);
    const end = await Promise.race([
      waitForJobEnd(job.logDir, 'told', { host, pollMs: 60_000 }),
      new Promise((resolve) => setTimeout(() => resolve('no notice'), 10_000)),
    ]);
    expect(end).toMatchObject({ kind: 'outcome', outcome: { state: 'success' } });
    // Each notice comes once what it tells of is in the files.
    expect(heard).toEqual(['running', 'outcome']);
    stop();
    other();
  });

  it('stopping one job leaves the host and the other jobs running', async () => {
    await start('stay', [fake('sleep-silent'), '30']);
    await start('go', [fake('sleep-silent'), '30']);
    const stopped = await stopJob(job.logDir, 'go', { graceMs: 300 });
    expect(stopped).toMatchObject({ kind: 'stopped', outcome: { state: 'killed' } });
    const stay = readJob(job.logDir, 'stay');
    expect(stay.agentAlive).toBe(true);
    expect(stay.hostAlive).toBe(true);
  });

  it('once its input ends (its run is gone) the host still finishes the jobs it has', async () => {
    // A closed pipe is what the host sees when the run dies (ccglm run's kill -9 test kills one).
    await start('long', ['sh', '-c', 'sleep 0.5; echo done']);
    host.close();
    const end = await waitForJobEnd(job.logDir, 'long');
    expect(end).toMatchObject({ kind: 'outcome', outcome: { exit_code: 0, state: 'success' } });
    expect(fs.readFileSync(jobFiles(job.logDir, 'long').log, 'utf8')).toContain('done');
  });

  it('runs a headless launch in the host itself: the agent is the job, its output and LAUNCH_OK in the log', async () => {
    const started = await start('hl', ['false'], {
      headless: { agentCmd: 'sh -c "echo agent says hi; exit 3"', promptFile: job.promptFile },
    });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    // The job's pid is the agent (a shell), not a `ccglm headless` Node process.
    const comm = (() => {
      try {
        return fs.readFileSync(`/proc/${started.pid}/comm`, 'utf8').trim();
      } catch {
        return undefined; // already ended
      }
    })();
    const end = await waitForJobEnd(job.logDir, 'hl');
    expect(end).toMatchObject({ kind: 'outcome', outcome: { exit_code: 3, state: 'failed' } });
    const log = fs.readFileSync(jobFiles(job.logDir, 'hl').log, 'utf8');
    expect(log).toContain('[cc-glm-headless] LAUNCH_OK');
    expect(log).toContain('agent says hi');
    if (comm !== undefined) expect(comm).not.toBe('node');
  });

  it('a headless launch whose agent cannot start ends agent_not_started with headless own words', async () => {
    const started = await start('nope', ['false'], {
      headless: { agentCmd: 'no-such-agent-binary --x', promptFile: job.promptFile },
    });
    expect(started.ok).toBe(false);
    if (started.ok) return;
    expect(started.outcome.extra['reason']).toBe('agent_not_started');
    expect(started.message).toContain('no-such-agent-binary');
  });
});

describe('a job stopped while its host is still launching it (in-host auth)', () => {
  it.each([false, true])(
    'is never launched (pty %s): the outcome says it was stopped, no agent runs',
    async (pty) => {
      // A slow `op read` (1Password) for the token, and a `claude` that would leave a mark if run.
      const bin = path.join(job.logDir, 'bin');
      fs.mkdirSync(bin);
      const mark = path.join(job.logDir, 'agent-ran');
      fs.writeFileSync(path.join(bin, 'op'), '#!/bin/sh\nsleep 2\necho token-from-op\n', {
        mode: 0o755,
      });
      fs.writeFileSync(path.join(bin, 'claude'), `#!/bin/sh\ntouch ${mark}\n`, { mode: 0o755 });
      const env = { PATH: `${bin}:${process.env['PATH'] ?? ''}`, CC_GLM_OP_URI: 'op://v/i/f' };
      const started = start('slow', ['false'], {
        headless: { agent: 'claude', promptFile: job.promptFile },
        env,
        pty,
      });
      await until(() => readMeta(job.logDir, 'slow')?.['host_pid']);
      const stopped = await stopJob(job.logDir, 'slow', { reason: 'changed my mind' });
      expect(stopped).toMatchObject({ kind: 'stopped', outcome: { state: 'killed' } });
      const result = await started;
      expect(result.ok).toBe(false);
      expect(fs.existsSync(mark)).toBe(false);
    },
  );
});

describe('credentials in a shared host (ccglm run)', () => {
  it('reads the 1Password reference once for the jobs it hosts, not once per job', async () => {
    const bin = path.join(job.logDir, 'bin');
    fs.mkdirSync(bin);
    const reads = path.join(job.logDir, 'op-reads');
    // A slow `op read` that counts its calls, and a `claude` that says which token it got.
    fs.writeFileSync(
      path.join(bin, 'op'),
      `#!/bin/sh\necho read >> ${reads}\nsleep 1\necho token-from-op\n`,
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, 'claude'), '#!/bin/sh\necho "token=$ANTHROPIC_AUTH_TOKEN"\n', {
      mode: 0o755,
    });
    const env = { PATH: `${bin}:${process.env['PATH'] ?? ''}`, CC_GLM_OP_URI: 'op://v/i/f' };
    const ids = ['one', 'two', 'three'];
    const started = await Promise.all(
      ids.map((id) =>
        start(id, ['false'], { headless: { agent: 'claude', promptFile: job.promptFile }, env }),
      ),
    );
    expect(started.every((s) => s.ok)).toBe(true);
    for (const id of ids) {
      expect(await waitForJobEnd(job.logDir, id)).toMatchObject({
        kind: 'outcome',
        outcome: { exit_code: 0 },
      });
      expect(fs.readFileSync(jobFiles(job.logDir, id).log, 'utf8')).toContain(
        'token=token-from-op',
      );
    }
    expect(fs.readFileSync(reads, 'utf8')).toBe('read\n');
    // A later job of the same host reads no more.
    await start('four', ['false'], {
      headless: { agent: 'claude', promptFile: job.promptFile },
      env,
    });
    await waitForJobEnd(job.logDir, 'four');
    expect(fs.readFileSync(reads, 'utf8')).toBe('read\n');
  });
});
