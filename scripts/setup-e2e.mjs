#!/usr/bin/env node
// Installs Debian's chromium for the report's browser test when missing (as root), and
// the real Claude Code CLI for the end-to-end tests into .cache/claude-code (gitignored),
// unless a working copy is already there. Not a runtime dependency of ccglm: it is large, and only
// test/e2e/claude*.test.ts uses it. Prints the binary's path and version; exit 1 when it cannot run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Pinned: a version whose native linux binary was checked to run here and to accept --model glm-5.
export const CLAUDE_CODE_VERSION = '2.1.330';

const root = fileURLToPath(new URL('..', import.meta.url));
const prefix = path.join(root, '.cache', 'claude-code');
const scope = path.join(prefix, 'node_modules', '@anthropic-ai');

/** The native binary: the wrapper's bin (postinstall copies it there) or the platform package's. */
function candidates() {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  return [
    path.join(scope, 'claude-code', 'bin', 'claude.exe'),
    path.join(scope, `claude-code-linux-${arch}`, 'claude'),
    path.join(scope, `claude-code-linux-${arch}-musl`, 'claude'),
  ];
}

function version(binary) {
  if (!existsSync(binary)) return undefined;
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function findWorking() {
  for (const binary of candidates()) {
    const v = version(binary);
    if (v?.startsWith(CLAUDE_CODE_VERSION)) return { binary, version: v };
  }
  return undefined;
}

/**
 * Debian packages the end-to-end tests drive for real (openssh-server for the targets tests, chromium
 * for the report's browser test), installed when missing and when this runs as root (CI does);
 * otherwise those tests skip and say why.
 */
function aptInstall(pkg, binary) {
  if (existsSync(binary)) return;
  if (process.getuid?.() !== 0) {
    console.error(`setup-e2e: ${binary} missing and not root: the tests that need ${pkg} skip`);
    return;
  }
  console.log(`setup-e2e: installing ${pkg}`);
  const apt = (args) =>
    spawnSync('apt-get', args, {
      stdio: 'inherit',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  if (apt(['update', '-qq']) !== 0 || apt(['install', '-y', '-qq', pkg]) !== 0)
    console.error(`setup-e2e: apt-get install ${pkg} failed: the tests that need it skip`);
}
aptInstall('openssh-server', '/usr/sbin/sshd');
aptInstall('chromium', '/usr/bin/chromium');

let found = findWorking();
if (found === undefined) {
  mkdirSync(prefix, { recursive: true });
  writeFileSync(
    path.join(prefix, 'package.json'),
    JSON.stringify({ name: 'ccglm-e2e-claude-code', private: true }, null, 2),
  );
  console.log(
    `setup-e2e: installing @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into ${prefix}`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(
    npm,
    [
      'install',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`,
    ],
    { stdio: 'inherit', timeout: 600_000 },
  );
  if (install.status !== 0) {
    console.error(
      `setup-e2e: npm install failed (exit ${install.status}); the claude e2e tests will be skipped`,
    );
    process.exit(1);
  }
  found = findWorking();
}
if (found === undefined) {
  console.error(
    'setup-e2e: installed, but no Claude Code native binary runs here; the claude e2e tests will be skipped',
  );
  process.exit(1);
}
console.log(`setup-e2e: ${found.binary} (${found.version})`);
