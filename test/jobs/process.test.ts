import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ccglmBin, packageRoot } from '../../src/paths.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SharedHost,
  jobHealth,
  readJob,
  readOutcome,
  startJob,
  stopJob,
  waitForJobEnd,
  jobFiles,
} from '../../src/jobs/index.js';
import { isProcessAlive, readProcStat } from '../../src/jobs/proc.js';
import { fake, livePidsOf, makeJobDir, sleep, until } from './helpers.js';

let job: ReturnType<typeof makeJobDir>;
beforeEach(() => {
  job = makeJobDir();
});
afterEach(async () => job.cleanup());

const start = (
  id: string,
  command: string[],
  extra: { pty?: boolean; worktree?: string; env?: Record<string, string> } = {},
) => startJob({ id, logDir: job.logDir, promptFile: job.promptFile, command, pty: true, ...extra });

describe('a job in a real PTY', () => {
  it('exits 0: outcome success, health exited_ok, output in the log', async () => {
    const started = await start('ok', [fake('exit-with'), '0']);
    expect(started.ok).toBe(true);
    const end = await waitForJobEnd(job.logDir, 'ok');
    expect(end).toMatchObject({
      kind: 'outcome',
      outcome: { beads: 'ok', exit_code: 0, state: 'success' },
    });
    expect(jobHealth(job.logDir, 'ok')).toMatchObject({
      health: 'exited_ok',
      reason_code: 'outcome_exit_0',
    });
    expect(fs.readFileSync(jobFiles(job.logDir, 'ok').log, 'utf8')).toContain(
      'fake agent: exiting 0',
    );
  });

  it('exits 3 in pipe mode too: state failed with the exit code', async () => {
    await start('bad', [fake('exit-with'), '3'], { pty: false });
    const end = await waitForJobEnd(job.logDir, 'bad');
    expect(end).toMatchObject({ kind: 'outcome', outcome: { exit_code: 3, state: 'failed' } });
    expect(jobHealth(job.logDir, 'bad')).toMatchObject({
      health: 'exited_err',
      reason_code: 'outcome_exit_nonzero',
    });
  });

  it('runs in the worktree with $CCGLM_PROMPT_FILE set', async () => {
    await start('cwd', ['sh', '-c', 'pwd; cat "$CCGLM_PROMPT_FILE"'], { worktree: job.logDir });
    await waitForJobEnd(job.logDir, 'cwd');
    const log = fs.readFileSync(jobFiles(job.logDir, 'cwd').log, 'utf8').replace(/\r/g, '');
    expect(log).toBe(`${fs.realpathSync(job.logDir)}\ndo the task\n`);
  });

  it('records a failed outcome and the reason in the log when the agent cannot start', async () => {
    const missingBinary = await start('nobin', ['no-such-agent-binary']);
    expect(missingBinary).toMatchObject({
      ok: false,
      message: 'cannot start agent: no-such-agent-binary: command not found',
      outcome: { exit_code: 127, state: 'failed' },
    });
    // Launched by headless (a run's jobs): the cause is in the message, not only what to do.
    const tree = fs.mkdtempSync(path.join(job.logDir, 'wt-'));
    fs.writeFileSync(
      path.join(tree, 'ccglm.config.json'),
      JSON.stringify({
        defaultAgent: 'ghost',
        agents: { ghost: { command: '/nonexistent/ghost-agent', prompt: 'stdin', auth: 'none' } },
      }),
    );
    const ghost = await startJob({
      ...{ id: 'ghost', logDir: job.logDir, promptFile: job.promptFile, worktree: tree },
      headless: { promptFile: job.promptFile },
    });
    expect(ghost).toMatchObject({ ok: false, outcome: { state: 'failed' } });
    expect(ghost.ok ? '' : ghost.message).toMatch(/^cannot start agent: .*not found.*ghost-agent/);
    const missingTree = await start('notree', [fake('exit-with')], {
      worktree: `${job.logDir}/gone`,
    });
    expect(missingTree).toMatchObject({
      ok: false,
      message: `cannot start agent: worktree not found: ${job.logDir}/gone`,
    });
    expect(readOutcome(job.logDir, 'notree')).toMatchObject({
      state: 'failed',
      extra: { reason: 'agent_not_started' },
    });
  });

  it('a silent job that uses no CPU goes stalled after the (short) threshold', async () => {
    await start('silent', [fake('sleep-silent')]);
    expect(jobHealth(job.logDir, 'silent', { stallSeconds: 60 }).health).toBe('launching');
    await sleep(1200);
    expect(jobHealth(job.logDir, 'silent', { stallSeconds: 1 })).toMatchObject({
      health: 'stalled',
      reason_code: 'no_output_no_progress_after_threshold',
    });
  });

  it('a job whose children spin while the parent sleeps reads healthy (CPU of the whole tree)', async () => {
    await start('tree', [fake('fork-spinners'), '1'], { env: { CCGLM_JOB_SAMPLE_MS: '200' } });
    await sleep(1500);
    const report = jobHealth(job.logDir, 'tree', { stallSeconds: 1 });
    expect(report).toMatchObject({ health: 'healthy', reason_code: 'cpu_progress' });
    expect(report.cpu_time_seconds).toBeGreaterThan(0.5);
  });

  it('stop leaves no process of the tree behind, even one that ignores TERM', async () => {
    for (const [id, bin] of [
      ['spinners', 'fork-spinners'],
      ['stubborn', 'ignore-term'],
    ] as const) {
      const started = await start(id, [fake(bin)]);
      if (!started.ok) throw new Error('did not start');
      await until(() => livePidsOf(started.pid).length >= (id === 'spinners' ? 3 : 1));
      // The stubborn agent ignores TERM once its trap is set, which it says (a TERM before that
      // ends it unforced: on a busy machine the trap can come later than its process).
      if (id === 'stubborn')
        await until(() =>
          fs.readFileSync(jobFiles(job.logDir, id).log, 'utf8').includes('ignoring TERM'),
        );
      const result = await stopJob(job.logDir, id, { graceMs: 300 });
      expect(result).toMatchObject({
        kind: 'stopped',
        forced: id === 'stubborn',
        outcome: { state: 'killed' },
      });
      expect(livePidsOf(started.pid)).toEqual([]);
      expect(readJob(job.logDir, id).hostAlive).toBe(false);
    }
    expect(readOutcome(job.logDir, 'stubborn')).toMatchObject({
      exit_code: 137,
      state: 'killed',
      extra: { reason: 'stopped' },
    });
  });

  it('an agent that exits leaves no background child behind', async () => {
    const started = await start('bg', ['sh', '-c', 'sleep 600 & echo "child $!"'], { pty: false });
    if (!started.ok) throw new Error('did not start');
    await waitForJobEnd(job.logDir, 'bg');
    const child = Number(
      /child (\d+)/.exec(fs.readFileSync(jobFiles(job.logDir, 'bg').log, 'utf8'))?.[1],
    );
    expect(child).toBeGreaterThan(0);
    await until(() => !isProcessAlive(child));
    expect(readOutcome(job.logDir, 'bg')).toMatchObject({ exit_code: 0, state: 'success' });
  });

  it('an agent given as ARGV reads an empty stdin in a PTY, as on pipes (nobody types into it)', async () => {
    await start('stdin', ['sh', '-c', 'x=$(cat); echo "got [$x]"']);
    expect(await waitForJobEnd(job.logDir, 'stdin')).toMatchObject({
      kind: 'outcome',
      outcome: { exit_code: 0, state: 'success' },
    });
    expect(fs.readFileSync(jobFiles(job.logDir, 'stdin').log, 'utf8')).toContain('got []');
  });

  it("kill -TERM of the job's pid ends it as on pipes (killed, 143, nothing left); an agent a signal ended leaves no shell's `Terminated` in its log", async () => {
    for (const pty of [true, false]) {
      const id = pty ? 'term-pty' : 'term-pipe';
      const started = await start(id, [fake('sleep-silent')], { pty });
      if (!started.ok) throw new Error('did not start');
      process.kill(started.pid, 'SIGTERM');
      expect(await waitForJobEnd(job.logDir, id), id).toMatchObject({
        kind: 'outcome',
        outcome: { exit_code: 143, state: 'killed' },
      });
      await until(() => livePidsOf(started.pid).length === 0);
    }
    // The agent itself killed (its holder shell lives on and writes the end mark).
    const started = await start('agent-term', ['sh', '-c', 'echo "agent $$"; exec sleep 600']);
    if (!started.ok) throw new Error('did not start');
    const log = jobFiles(job.logDir, 'agent-term').log;
    await until(() => /agent \d+/.test(fs.readFileSync(log, 'utf8')));
    const agent = Number(/agent (\d+)/.exec(fs.readFileSync(log, 'utf8'))?.[1]);
    expect(agent).not.toBe(started.pid);
    process.kill(agent, 'SIGTERM');
    expect(await waitForJobEnd(job.logDir, 'agent-term')).toMatchObject({
      kind: 'outcome',
      outcome: { exit_code: 143, state: 'killed' },
    });
    expect(fs.readFileSync(log, 'utf8')).not.toMatch(/Terminated|ccglm-exit/);
  });

  it('a flood of output all reaches the log, through the PTY and through pipes', async () => {
    for (const pty of [true, false]) {
      const id = pty ? 'flood-pty' : 'flood-pipe';
      await start(id, [fake('flood'), '20000'], { pty });
      await waitForJobEnd(job.logDir, id);
      const log = fs.readFileSync(jobFiles(job.logDir, id).log, 'utf8').replace(/\r/g, '');
      expect(log.trimEnd().split('\n')).toHaveLength(20000);
    }
  });

  it('waitForJobEnd reports a job whose host and agent vanished without an outcome as lost', async () => {
    const started = await start('lost', [fake('sleep-silent')]);
    if (!started.ok) throw new Error('did not start');
    const host = Number(readJob(job.logDir, 'lost').meta?.['host_pid']);
    process.kill(host, 'SIGKILL');
    try {
      process.kill(-started.pid, 'SIGKILL');
    } catch {
      // the PTY's hang-up may have ended the agent already
    }
    expect(await waitForJobEnd(job.logDir, 'lost', { pollMs: 100 })).toEqual({
      kind: 'lost',
      agentAlive: false,
    });
  });

  it('waitForJobEnd reports a job whose host died as lost even while its agent runs on', async () => {
    // With pipes the agent outlives its host, but no outcome will ever be written for it.
    const started = await start('orphan', [fake('sleep-silent')], { pty: false });
    if (!started.ok) throw new Error('did not start');
    process.kill(Number(readJob(job.logDir, 'orphan').meta?.['host_pid']), 'SIGKILL');
    try {
      expect(await waitForJobEnd(job.logDir, 'orphan', { pollMs: 100 })).toEqual({
        kind: 'lost',
        agentAlive: true,
      });
    } finally {
      process.kill(-started.pid, 'SIGKILL');
    }
  });

  it('a job whose meta values are not what they should be is not started; the log says which', async () => {
    const host = path.join(packageRoot, 'dist', 'jobs', 'host.js');
    const cases = [
      ['command=not json', 'its command= line is not a JSON list of strings'],
      ['command=["sh", 1]', 'its command= line is not a JSON list of strings'],
      ['command=["true"]\njob_env={"A":1}', 'its job_env= line is not a JSON object of strings'],
      [
        'command=["true"]\nheadless={"provider":"elsewhere"}',
        'its headless= line is not a JSON object of headless options',
      ],
    ];
    for (const [index, [lines, why]] of cases.entries()) {
      const id = `broken${index}`;
      fs.writeFileSync(jobFiles(job.logDir, id).meta, `beads=${id}\n${lines}\n`);
      const exit = await new Promise((resolve) =>
        spawn(process.execPath, [host, job.logDir, id], { stdio: 'ignore' }).on('exit', resolve),
      );
      expect(exit).toBe(0);
      expect(readOutcome(job.logDir, id)).toMatchObject({
        state: 'failed',
        exit_code: 1,
        extra: { reason: 'agent_not_started' },
      });
      expect(fs.readFileSync(jobFiles(job.logDir, id).log, 'utf8')).toBe(
        `[ccglm job] cannot start agent: ${id}.meta: ${why}\n`,
      );
    }
  });

  it('never signals a foreign process the pid file points at', async () => {
    const started = await start('reused', [fake('sleep-silent')]);
    if (!started.ok) throw new Error('did not start');
    await stopJob(job.logDir, 'reused', { graceMs: 200 });
    fs.rmSync(jobFiles(job.logDir, 'reused').outcome);
    fs.writeFileSync(jobFiles(job.logDir, 'reused').pid, `${process.pid}\n`);
    const result = await stopJob(job.logDir, 'reused');
    expect(result).toMatchObject({
      kind: 'not_running',
      message: `job reused already not running (pid=${process.pid}) (that pid belongs to another process; left alone)`,
    });
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});

describe('the headless launch in a PTY: the agent in the terminal, under its holder shell, under its host', () => {
  // A prompt a shell would mangle if it ever read it as shell text; several lines, one empty.
  const prompt =
    'first line\nrun $(touch pwned) and `touch pwned2` "quoted" \'single\' $HOME\n\nlast\n';

  /** An agent (a ccglm.config.json profile) that says what it sees, then waits for `go`. */
  function probeAgent(dir: string) {
    const script = path.join(dir, 'probe-agent');
    fs.writeFileSync(
      script,
      [
        '#!/bin/sh',
        'if [ -t 1 ]; then echo "stdout=terminal"; else echo "stdout=other"; fi',
        'if [ -t 0 ]; then echo "stdin=terminal"; else echo "stdin=other"; fi',
        'echo "agent pid=$$ ppid=$PPID"',
        'cat > got-prompt',
        'i=0; while [ ! -e go ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(dir, 'ccglm.config.json'),
      JSON.stringify({
        defaultAgent: 'probe',
        agents: { probe: { command: script, prompt: 'stdin', auth: 'none' } },
      }),
    );
    fs.writeFileSync(job.promptFile, prompt);
  }

  const viaCli = (worktree: string) => {
    const started = spawnSync(
      process.execPath,
      [
        ...[ccglmBin, 'job', 'start', '--beads', 'probe', '--log-dir', job.logDir],
        ...['--prompt-file', job.promptFile, '--worktree', worktree, '--pty'],
      ],
      { encoding: 'utf8', cwd: worktree },
    );
    expect(started.stderr).toBe('');
    expect(started.stdout).toMatch(/^started beads=probe pid=\d+ .* pty=true\n$/);
  };
  const viaSharedHost = async (worktree: string, host: SharedHost) => {
    const started = await startJob({
      ...{ id: 'probe', logDir: job.logDir, promptFile: job.promptFile, worktree, host },
      ...{ headless: { promptFile: job.promptFile }, pty: true },
    });
    expect(started.ok).toBe(true);
  };

  it.each(['ccglm job start --pty', "a run's shared host"])(
    '%s: stdout is a terminal, the prompt is stdin byte for byte, the host is the agent parent',
    async (how) => {
      const worktree = fs.mkdtempSync(path.join(job.logDir, 'wt-'));
      probeAgent(worktree);
      const host = new SharedHost();
      try {
        if (how === "a run's shared host") await viaSharedHost(worktree, host);
        else viaCli(worktree);
        const meta = readJob(job.logDir, 'probe').meta ?? {};
        const pid = Number(meta['pid']);
        const hostPid = Number(meta['host_pid']);
        // No `ccglm headless` between them: the host's child is the shell holding the terminal open
        // (host-pty.ts), and the agent is that shell's child.
        const argv = (p: number) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        expect(readProcStat(pid)?.ppid).toBe(hostPid);
        // Forked from the host, it shows the host's argv until it has exec'd the shell.
        await until(() => argv(pid)[0] === '/bin/sh');
        expect(argv(pid)).toContain(path.join(worktree, 'probe-agent'));
        expect(argv(hostPid)).not.toContain('headless');
        expect(argv(hostPid).some((arg) => arg.endsWith(path.join('jobs', 'host.js')))).toBe(true);
        await until(() => fs.existsSync(path.join(worktree, 'got-prompt')));
        fs.writeFileSync(path.join(worktree, 'go'), '');
        expect(await waitForJobEnd(job.logDir, 'probe')).toMatchObject({
          kind: 'outcome',
          outcome: { exit_code: 0, state: 'success' },
        });
        expect(fs.readFileSync(path.join(worktree, 'got-prompt'), 'utf8')).toBe(prompt);
        expect(fs.existsSync(path.join(worktree, 'pwned'))).toBe(false);
        const log = fs.readFileSync(jobFiles(job.logDir, 'probe').log, 'utf8');
        expect(log).toContain(`[cc-glm-headless] LAUNCH_OK`);
        expect(log).toContain(`agent=probe pid=${pid}\n`);
        expect(log).toContain('stdout=terminal\r\nstdin=other\r\n');
        expect(log).toMatch(new RegExp(`agent pid=\\d+ ppid=${pid}\r\n`));
        expect(log).not.toContain('ccglm-exit');
        expect(readJob(job.logDir, 'probe').meta?.['execution_mode']).toBe('pty');
      } finally {
        host.close();
      }
    },
  );

  it('a token that cannot be resolved and an API 401 are told and exit as on pipes', async () => {
    const bin = fs.mkdtempSync(path.join(job.logDir, 'bin-'));
    fs.writeFileSync(path.join(bin, 'claude'), '#!/bin/sh\necho should not run\n', {
      mode: 0o755,
    });
    const noToken = {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      ...{ CC_GLM_AUTH_TOKEN: '', ZAI_API_KEY: '', CC_GLM_OP_URI: '', CCGLM_PROVIDER: '' },
      ...{ CC_GLM_STRICT_AUTH: '', CC_GLM_ALLOW_FALLBACK: '' },
      CC_GLM_TOKEN_FILE: path.join(bin, 'missing-token'),
    };
    const rejected = 'sh -c "echo API Error: 401 authentication_error; exit 1"';
    const host = new SharedHost();
    try {
      for (const pty of [true, false]) {
        const common = { logDir: job.logDir, promptFile: job.promptFile, host, pty };
        const unresolved = await startJob({
          ...common,
          id: `token-${pty}`,
          headless: { agent: 'claude', promptFile: job.promptFile },
          env: noToken,
        });
        expect(unresolved).toMatchObject({
          ok: false,
          outcome: { exit_code: 11, state: 'failed', extra: { reason: 'agent_not_started' } },
        });
        const tokenLog = fs.readFileSync(jobFiles(job.logDir, `token-${pty}`).log, 'utf8');
        expect(tokenLog).toContain(
          `[cc-glm-headless] ERROR: Token file not found: ${noToken.CC_GLM_TOKEN_FILE}`,
        );
        expect(tokenLog).not.toContain('should not run');

        const started = await startJob({
          ...common,
          id: `401-${pty}`,
          headless: { agentCmd: rejected, promptFile: job.promptFile },
        });
        expect(started.ok).toBe(true);
        expect(await waitForJobEnd(job.logDir, `401-${pty}`)).toMatchObject({
          outcome: { exit_code: 1, state: 'failed' },
        });
        const log = fs.readFileSync(jobFiles(job.logDir, `401-${pty}`).log, 'utf8');
        expect(log).toMatch(
          /\[cc-glm-headless\] ERROR: AUTH_REJECTED the API at \S+ rejected the token \(HTTP 401\)/,
        );
      }
    } finally {
      host.close();
    }
  });
});
