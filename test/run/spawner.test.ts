import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, useSpawner } from '../../src/run/git.js';
import { SpawnerClient } from '../../src/run/spawner-client.js';
import { isProcessAlive } from '../../src/jobs/proc.js';

const clients: SpawnerClient[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function client(): Promise<SpawnerClient> {
  const made = new SpawnerClient(process.env);
  clients.push(made);
  made.start();
  expect(await made.started()).toBe(true);
  return made;
}

/** The spawner's process id, read through the one command that prints its parent's. */
async function spawnerPid(spawner: SpawnerClient): Promise<number> {
  const result = await spawner.run('sh', ['-c', 'echo $PPID'], { cwd: os.tmpdir() });
  return Number(result?.stdout.trim());
}

describe('the run spawner (commands forked from a small process)', () => {
  it('runs commands side by side and answers each with its exit code, output and stderr', async () => {
    const spawner = await client();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ccglm-spawner-'));
    dirs.push(dir);
    const [slow, fast, failing, piped] = await Promise.all([
      spawner.run('sh', ['-c', 'sleep 0.3; echo slow'], { cwd: dir }),
      spawner.run('sh', ['-c', 'pwd; echo oops >&2'], { cwd: dir }),
      spawner.run('sh', ['-c', 'echo partial; echo why >&2; exit 3'], { cwd: dir }),
      spawner.run('sh', ['-c', 'cat; echo " and more"'], { cwd: dir, input: 'from stdin' }),
    ]);
    expect(slow).toEqual({ ok: true, code: 0, stdout: 'slow\n', stderr: '' });
    expect(fast).toEqual({ ok: true, code: 0, stdout: `${dir}\n`, stderr: 'oops\n' });
    expect(failing).toEqual({ ok: false, code: 3, stdout: 'partial\n', stderr: 'why\n' });
    expect(piped?.stdout).toBe('from stdin and more\n');
  });

  it('reports a missing program or folder as a failure, and keeps serving', async () => {
    const spawner = await client();
    const missing = await spawner.run('no-such-program-ccglm', [], { cwd: os.tmpdir() });
    expect(missing?.ok).toBe(false);
    expect(missing?.stderr).toMatch(/ENOENT/);
    const noDir = await spawner.run('true', [], { cwd: '/no/such/folder' });
    expect(noDir?.ok).toBe(false);
    const nul = await spawner.run('echo', ['a\0b'], { cwd: os.tmpdir() });
    expect(nul?.ok).toBe(false);
    expect((await spawner.run('echo', ['still here'], { cwd: os.tmpdir() }))?.stdout).toBe(
      'still here\n',
    );
  });

  it('runs background work at the niceness asked for', async () => {
    const spawner = await client();
    // The shell's own niceness (field 19 of its stat), read after the spawner has set it.
    const script = 'sleep 0.1; read -r line < /proc/$$/stat; set -- $line; echo ${19}';
    const result = await spawner.run('sh', ['-c', script], { cwd: os.tmpdir(), niceness: 10 });
    expect(result?.stdout.trim()).toBe('10');
  });

  it('when the spawner dies, what it had not answered fails and later commands are run here', async () => {
    const spawner = await client();
    const pid = await spawnerPid(spawner);
    expect(isProcessAlive(pid)).toBe(true);
    const pending = spawner.run('sleep', ['5'], { cwd: os.tmpdir() });
    process.kill(pid, 'SIGKILL');
    const lost = await pending;
    expect(lost?.ok).toBe(false);
    expect(lost?.stderr).toMatch(/spawner process exited/);
    expect(spawner.run('true', [], { cwd: os.tmpdir() })).toBeUndefined();
  });

  it('survives a Ctrl-C (SIGINT to the group) and exits once closed and done', async () => {
    const spawner = await client();
    const pid = await spawnerPid(spawner);
    process.kill(pid, 'SIGINT');
    const running = spawner.run('sh', ['-c', 'sleep 0.2; echo finished'], { cwd: os.tmpdir() });
    spawner.close();
    expect((await running)?.stdout).toBe('finished\n');
    const deadline = Date.now() + 5000;
    while (isProcessAlive(pid) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('answers nothing until it is up (the caller forks meanwhile), and nothing once closed', async () => {
    const spawner = new SpawnerClient(process.env);
    clients.push(spawner);
    expect(spawner.run('true', [], { cwd: os.tmpdir() })).toBeUndefined();
    expect(await spawner.started()).toBe(true);
    expect((await spawner.run('true', [], { cwd: os.tmpdir() }))?.ok).toBe(true);
    spawner.close();
    expect(spawner.run('true', [], { cwd: os.tmpdir() })).toBeUndefined();
    expect(await spawner.started()).toBe(false);
  });

  it('git() goes through it while in use (once it is up), and forks git itself after', async () => {
    // Which process forked git: the parent of the shell a git alias runs in is git itself.
    const forker = async () =>
      Number(
        (await git(os.tmpdir(), ['-c', 'alias.forker=!cut -d" " -f4 /proc/$PPID/stat', 'forker']))
          .stdout,
      );
    expect(await forker()).toBe(process.pid);
    const end = useSpawner();
    try {
      let parent = await forker();
      for (let tries = 0; parent === process.pid && tries < 200; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        parent = await forker();
      }
      expect(parent).not.toBe(process.pid);
      expect(isProcessAlive(parent)).toBe(true);
      const failed = await git(os.tmpdir(), ['no-such-subcommand']);
      expect(failed.ok).toBe(false);
      expect(failed.code).toBe(1);
    } finally {
      end();
    }
    expect(await forker()).toBe(process.pid);
  });
});
