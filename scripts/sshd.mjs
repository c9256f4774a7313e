/**
 * A real OpenSSH server on loopback for the targets tests and bench/targets.mjs: a throw-away host key and user key, its
 * own port, and a HOME of its own (sshd's SetEnv), so two targets share nothing by accident. The
 * client side is one ssh_config file a target's transport names (`ssh -F FILE`); the user's own
 * ~/.ssh is never read. Needs /usr/sbin/sshd (Debian openssh-server; .ci/run installs it) and root.
 */

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's CLI. */
const bin = fileURLToPath(new URL('../bin/ccglm.js', import.meta.url));
const SSHD = '/usr/sbin/sshd';
function sshdMissing() {
  if (!existsSync(SSHD)) return `${SSHD} not found (apt-get install openssh-server)`;
  if (process.getuid?.() !== 0) return 'sshd tests log in as root on loopback; run them as root';
  return void 0;
}
function installCcglm(home, name = 'ccglm') {
  const dir = path.join(home, 'bin');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `#!/bin/sh
exec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"
`,
  );
  chmodSync(file, 0o755);
  return file;
}
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
function descendants(root) {
  const rows = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/).map(Number));
  const found = [];
  for (let parents = [root]; parents.length > 0;) {
    parents = rows.filter(([, ppid]) => parents.includes(ppid)).map(([pid]) => pid);
    found.push(...parents);
  }
  return found;
}
const signal = (pid, name) => {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
};
const keygen = (file) =>
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdio: 'ignore' });
async function startSshd(dir, host, env = {}) {
  const own = path.join(dir, host);
  const home = path.join(own, 'home');
  mkdirSync(home, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true });
  const userKey = path.join(dir, 'user_key');
  if (!existsSync(userKey)) keygen(userKey);
  const hostKey = path.join(own, 'host_key');
  keygen(hostKey);
  const port = await freePort();
  const setEnv = Object.entries({ HOME: home, ...env })
    .map(([key2, value]) => `${key2}=${JSON.stringify(value)}`)
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
  writeFileSync(
    knownHosts,
    `[127.0.0.1]:${port} ${type} ${key}
`,
    { flag: 'a' },
  );
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
  let listener;
  const start = async () => {
    listener = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    listener.stderr?.setEncoding('utf8').on('data', (chunk) => (log += chunk));
    for (let i = 0; i < 100; i += 1) {
      const up = await new Promise((resolve) => {
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
  const signalChildren = (signal2) => {
    const pid = listener?.pid;
    if (pid !== void 0) spawnSync('pkill', [signal2, '-P', String(pid)]);
  };
  let frozen = [];
  const freezeConnections = (freeze) => {
    if (!freeze) frozen.forEach((pid) => signal(pid, 'SIGCONT'));
    frozen = freeze && listener?.pid !== void 0 ? descendants(listener.pid) : [];
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
        if (child === void 0 || child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    // sshd's session children run `sshd: root@notty` under the listener.
    dropConnections: () => signalChildren('-KILL'),
    freezeConnections,
  };
}
export { SSHD, installCcglm, sshdMissing, startSshd };
