/**
 * `ccglm targets install NAME`: this ccglm, the same version, on a target. Node is checked there
 * first (ccglm needs ≥ 20.19); this package is packed here (`npm pack`: what npm would publish),
 * sent over the target's transport on stdin, and installed there with npm under
 * `<workdir>/ccglm` (its dependencies from the target's registry, so a native one such as node-pty
 * fits the target's platform). The target's `ccglm` is then that install's binary: set in
 * ccglm.config.json when the target names none (the rest of the file as it was). The tarball's
 * integrity is kept beside the install: the same package is not sent and installed again while its
 * binary still runs there.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import writeFileAtomic from 'write-file-atomic';
import { CcglmError, ExitCode } from '../errors.js';
import { packageRoot, packageVersion } from '../paths.js';
import type { Target } from './config.js';
import { lastLine, remoteLine, runOnTarget, SSH_FAILED } from './ssh.js';

/** The oldest Node ccglm runs on (package.json engines). */
const MIN_NODE = [20, 19] as const;

export interface InstallResult {
  version: string;
  node: string;
  /** ccglm's binary there (absolute). */
  binary: string;
  /** What was done to the config file, in words. */
  config: string;
  /** Whether this very package was installed there already (nothing was sent or installed). */
  already: boolean;
}

export interface InstallOptions {
  /** The config file that declares the target (its `ccglm` is set there when absent). */
  configFile: string;
  /** Whether the target's entry sets `ccglm` itself. */
  ccglmSet: boolean;
  timeoutMs?: number;
  /** Told before each step (for the console). */
  say?: (line: string) => void;
}

const newer = (version: string) => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
};

export async function installOnTarget(
  target: Target,
  options: InstallOptions,
): Promise<InstallResult> {
  const say = options.say ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 600_000;
  const run = async (what: string, line: string, input?: Uint8Array) => {
    const result = await runOnTarget(target, line, {
      timeoutMs,
      ...(input !== undefined ? { input } : {}),
    });
    const said = lastLine(result.stderr) || lastLine(result.stdout);
    if (result.timedOut)
      throw new CcglmError(
        `target ${target.name}: could not ${what} in ${Math.round(timeoutMs / 1000)} s${said !== '' ? ` (last said: ${said})` : ''}`,
      );
    if (result.code === SSH_FAILED)
      throw new CcglmError(
        `target ${target.name} unreachable (trying to ${what}): ${said || 'the transport failed'}`,
      );
    if (result.code !== 0)
      throw new CcglmError(
        `target ${target.name} could not ${what} (exit ${result.code}): ${lastLine(result.stderr) || lastLine(result.stdout)}`,
      );
    return result.stdout.trim();
  };
  say(`checking node on ${target.name}`);
  const node = await run(
    'report its Node version',
    'command -v node >/dev/null || { echo "node not found on PATH" >&2; exit 127; }; node -p process.versions.node',
  );
  if (!newer(node))
    throw new CcglmError(
      `target ${target.name} has node ${node}; ccglm needs ${MIN_NODE.join('.')} or newer there`,
    );
  const version = packageVersion();
  say(`packing ccglm ${version}`);
  const tarball = await pack();
  const home = await run(
    'find its workdir',
    `mkdir -p ${remoteLine([target.workdir])} && cd ${remoteLine([target.workdir])} && pwd -P`,
  );
  const dir = path.posix.join(home, 'ccglm');
  const file = path.posix.join(dir, path.basename(tarball.file));
  const binary = path.posix.join(dir, 'node_modules', '.bin', 'ccglm');
  const marker = path.posix.join(dir, 'installed-package');
  // The package installed there before, if its binary still runs: its integrity, then its version.
  const before = await run(
    'look for an earlier install',
    `cat ${remoteLine([marker])} 2>/dev/null && ${remoteLine([binary, '--version'])} 2>/dev/null || true`,
  );
  const already = tarball.integrity !== '' && before === `${tarball.integrity}\n${version}`;
  try {
    if (already) say(`this package is installed there already: ${binary}`);
    else {
      say(`copying it to ${target.name}:${file}`);
      await run(
        `receive ${path.basename(tarball.file)}`,
        `mkdir -p ${remoteLine([dir])} && rm -f ${remoteLine([marker])} && cat > ${remoteLine([file])}`,
        readFileSync(tarball.file),
      );
      say(`installing it there with npm (its dependencies from ${target.name}'s registry)`);
      await run(
        'install it with npm',
        remoteLine([
          'npm',
          'install',
          '--prefix',
          dir,
          '--omit=dev',
          '--no-audit',
          '--no-fund',
          '--no-save',
          file,
        ]),
      );
      const there = await run('run the ccglm it installed', remoteLine([binary, '--version']));
      if (lastLine(there) !== version)
        throw new CcglmError(
          `target ${target.name}: the installed ccglm says ${lastLine(there)}, not ${version}`,
        );
      await run(
        'note the package it installed',
        `printf '%s\\n' ${remoteLine([tarball.integrity])} > ${remoteLine([marker])}`,
      );
    }
  } finally {
    rmSync(tarball.dir, { recursive: true, force: true });
  }
  const config =
    options.ccglmSet && target.ccglm === binary
      ? `targets.${target.name}.ccglm is already ${binary}`
      : options.ccglmSet
        ? `targets.${target.name}.ccglm stays ${target.ccglm} in ${options.configFile}; set it to ${binary} to use this install`
        : setCcglm(options.configFile, target.name, binary);
  return { version, node, binary, config, already };
}

/** `npm pack` of this package into a temp folder: the tarball npm would publish. */
function pack(): Promise<{ dir: string; file: string; integrity: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ccglm-pack-'));
  return new Promise((resolve, reject) =>
    execFile(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      { cwd: packageRoot, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error !== null) {
          rmSync(dir, { recursive: true, force: true });
          reject(
            new CcglmError(
              `npm pack failed: ${lastLine(stderr) || error.message}`,
              ExitCode.failure,
            ),
          );
          return;
        }
        const [packed] = JSON.parse(stdout) as { filename: string; integrity: string }[];
        resolve({
          dir,
          file: path.join(dir, packed?.filename ?? ''),
          integrity: packed?.integrity ?? '',
        });
      },
    ),
  );
}

/** Sets `targets.NAME.ccglm` in the config file, keeping its formatting and comments. */
function setCcglm(file: string, name: string, binary: string): string {
  const text = readFileSync(file, 'utf8');
  const edits = modify(text, ['targets', name, 'ccglm'], binary, {
    formattingOptions: { insertSpaces: true, tabSize: 2 },
  });
  writeFileAtomic.sync(file, applyEdits(text, edits));
  return `targets.${name}.ccglm set to ${binary} in ${file}`;
}
