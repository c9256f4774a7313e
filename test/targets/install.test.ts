/**
 * `ccglm targets install NAME` against a real sshd on loopback: this package packed, sent, installed
 * there with npm (from the machine's npm cache when it has the packages, else the registry), the
 * config's `ccglm` set with its layout kept; the same package is not installed twice while it runs;
 * a target whose Node is too old is refused first.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bin } from '../run/helpers.js';
import { sshdMissing, startSshd, type Sshd } from '../../scripts/sshd.mjs';

const missing = sshdMissing();
if (missing !== undefined) console.warn(`skipping ccglm targets install: ${missing}`);

/** Where npm keeps its cache here: the install there may take its packages from it. */
const npmCache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
const version = (
  JSON.parse(readFileSync(path.join(path.dirname(bin), '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe.skipIf(missing !== undefined)('ccglm targets install (real sshd)', () => {
  let dir: string;
  let gamma: Sshd;
  let old: Sshd;
  const config = () => path.join(dir, 'ccglm.config.json');
  const ccglm = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, HOME: path.join(dir, 'home') },
      timeout: 300_000,
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccglm-install-'));
    mkdirSync(path.join(dir, 'home'));
    const npm = {
      npm_config_cache: npmCache,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      CCGLM_AGENT: 'demo',
    };
    gamma = await startSshd(path.join(dir, 'sshd'), 'gamma', npm);
    // A target whose `node` is 18: a shim first on its PATH.
    const oldBin = path.join(dir, 'old-bin');
    mkdirSync(oldBin);
    writeFileSync(path.join(oldBin, 'node'), '#!/bin/sh\necho 18.19.0\n');
    chmodSync(path.join(oldBin, 'node'), 0o755);
    old = await startSshd(path.join(dir, 'sshd'), 'old', { PATH: `${oldBin}:/usr/bin:/bin` });
    const target = (server: Sshd) =>
      `{ "ssh": ${JSON.stringify(server.host)}, "transport": ${JSON.stringify(server.transport)}, "workdir": ${JSON.stringify(path.join(server.home, 'work'))} }`;
    writeFileSync(
      config(),
      `{\n  "run": { "concurrency": 4 },\n  "targets": {\n    "gamma": ${target(gamma)},\n    "old": ${target(old)}\n  }\n}\n`,
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all([gamma?.stop(), old?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("installs this version there, sets the target's ccglm, and the target is ready", () => {
    const before = ccglm('targets', 'check', 'gamma');
    expect(before.status).toBe(1);
    expect(before.stdout).toContain(
      'ccglm not found there (ccglm); fix: ccglm targets install gamma',
    );
    const installed = ccglm('targets', 'install', 'gamma');
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    const binary = path.join(gamma.home, 'work', 'ccglm', 'node_modules', '.bin', 'ccglm');
    expect(installed.stdout).toContain(
      `installed ccglm ${version} on gamma (node ${process.versions.node}): ${binary}\ntargets.gamma.ccglm set to ${binary} in ${config()}\n`,
    );
    // The config keeps its layout; the key is added to gamma's entry only.
    const text = readFileSync(config(), 'utf8');
    expect(text).toMatch(/^\{\n {2}"run": \{ "concurrency": 4 \},\n {2}"targets": \{\n/);
    const doc = JSON.parse(text) as { targets: Record<string, { ccglm?: string }> };
    expect(doc.targets['gamma']?.ccglm).toBe(binary);
    expect(doc.targets['old']?.ccglm).toBeUndefined();
    const after = ccglm('targets', 'check', 'gamma');
    expect(after.stdout).toMatch(
      new RegExp(`^gamma \\(gamma, via ssh\\): ready; ccglm ${version}`, 'm'),
    );
    expect(after.status).toBe(0);
    // Again: this very package is there and runs, so nothing is sent or installed; nothing to
    // change in the config either.
    const again = ccglm('targets', 'install', 'gamma');
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain('installing it there with npm');
    expect(again.stdout).toContain(
      `ccglm ${version} was installed on gamma already, this very package (node ${process.versions.node}): ${binary}\ntargets.gamma.ccglm is already ${binary}\n`,
    );
    // An install whose binary no longer runs is made again.
    rmSync(path.join(gamma.home, 'work', 'ccglm', 'node_modules', 'ccglm', 'dist'), {
      recursive: true,
    });
    const mended = ccglm('targets', 'install', 'gamma', '--json');
    expect(mended.status).toBe(0);
    expect(JSON.parse(mended.stdout)).toMatchObject({
      target: 'gamma',
      version,
      binary,
      already: false,
      config: `targets.gamma.ccglm is already ${binary}`,
    });
    expect(ccglm('targets', 'check', 'gamma').status).toBe(0);
  }, 300_000);

  test('a target whose Node is too old is refused before anything is sent', () => {
    const refused = ccglm('targets', 'install', 'old');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      'ccglm: target old has node 18.19.0; ccglm needs 20.19 or newer there\n',
    );
    expect(ccglm('targets', 'install', 'nowhere').stderr).toMatch(
      /no target "nowhere" in .*; known: local, gamma, old/,
    );
    expect(ccglm('targets', 'install').stderr).toMatch(/targets install needs the target name/);
  }, 60_000);
});
