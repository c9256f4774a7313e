/**
 * A real OpenSSH server on loopback for the targets tests: a throw-away host key and user key, its
 * own port, and a HOME of its own (sshd's SetEnv), so two targets share nothing by accident. The
 * client side is one ssh_config file a target's transport names (`ssh -F FILE`); the user's own
 * ~/.ssh is never read. Needs /usr/sbin/sshd (Debian openssh-server; .ci/run installs it) and root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { bin } from '../run/helpers.js';

export const SSHD = '/usr/sbin/sshd';

/** Why these tests cannot run here, or undefined. */
export function sshdMissing(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} not found (apt-get install openssh-server)`;
  if (process.getuid?.() !== 0) return 'sshd tests log in as root on loopback; run them as root';
  return undefined;
}

/** A `ccglm` on a target: this checkout's built CLI, as `<home>/bin/<name>`; returns its path. */
export function installCcglm(home: string, name = 'ccglm'): string {
  const dir = path.join(home, 'bin');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

export interface Sshd {
  /** The Host alias in `sshConfig`. */
  host: string;
  port: number;
  /** The target's HOME on the "remote" side. */
  home: string;
  /** The transport for this server: ["ssh", "-F", sshConfig]. */
  transport: string[];
  stop(): Promise<void>;
  /** Kills the per-connection sshd children (dropped connections), leaving the listener. */
  dropConnections(): void;
  /** Stops (SIGSTOP) or resumes (SIGCONT) every process under the listener: hung connections. */
  freezeConnections(frozen: boolean): void;
  /** Starts it again on the same port after stop(). */
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Every process under `root` (its children, theirs…), from one `ps`. */
function descendants(root: number): number[] {
  const rows = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  for (let parents = [root]; parents.length > 0;) {
    parents = rows
      .filter(([, ppid]) => parents.includes(ppid as number))
      .map(([pid]) => pid as number);
    found.push(...parents);
  }
  return found;
}

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
};

const keygen = (file: string) =>
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdio: 'ignore' });

/**
 * Starts sshd in `dir` (made) for the alias `host`; `env` is set in every session (SetEnv), HOME
 * included. The client config and keys are shared by every server made in the same `dir`.
 */
export async function startSshd(
  dir: string,
  host: string,
  env: Record<string, string> = {},
): Promise<Sshd> {
  const own = path.join(dir, host);
  const home = path.join(own, 'home');
  mkdirSync(home, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation folder
  const userKey = path.join(dir, 'user_key');
  if (!existsSync(userKey)) keygen(userKey);
  const hostKey = path.join(own, 'host_key');
  keygen(hostKey);
  const port = await freePort();
  const setEnv = Object.entries({ HOME: home, ...env })
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
  const config = path.join(own, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${userKey}.pub`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PidFile none',
      'MaxStartups 100',
      `SetEnv ${setEnv}`,
      '',
    ].join('\n'),
  );
  const knownHosts = path.join(dir, 'known_hosts');
  const [type, key] = readFileSync(`${hostKey}.pub`, 'utf8').split(' ');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${key}\n`, { flag: 'a' });
  const sshConfig = path.join(dir, 'ssh_config');
  writeFileSync(
    sshConfig,
    [
      `Host ${host}`,
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      '  User root',
      `  IdentityFile ${userKey}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
    { flag: 'a' },
  );

  let listener: ChildProcess | undefined;
  const start = async () => {
    listener = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    listener.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    for (let i = 0; i < 100; i += 1) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) return;
      if (listener.exitCode !== null) throw new Error(`sshd exited: ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`sshd did not listen on ${port}: ${log}`);
  };
  const signalChildren = (signal: string) => {
    const pid = listener?.pid;
    if (pid !== undefined) spawnSync('pkill', [signal, '-P', String(pid)]);
  };
  let frozen: number[] = [];
  const freezeConnections = (freeze: boolean) => {
    if (!freeze) frozen.forEach((pid) => signal(pid, 'SIGCONT'));
    frozen = freeze && listener?.pid !== undefined ? descendants(listener.pid) : [];
    frozen.forEach((pid) => signal(pid, 'SIGSTOP'));
  };
  await start();
  return {
    host,
    port,
    home,
    transport: ['ssh', '-F', sshConfig],
    start,
    stop: () =>
      new Promise((resolve) => {
        const child = listener;
        if (child === undefined || child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    // sshd's session children run `sshd: root@notty` under the listener.
    dropConnections: () => signalChildren('-KILL'),
    freezeConnections,
  };
}
