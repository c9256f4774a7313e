import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: `npm pack`, then installed into a temp prefix the way
 * `npm install -g --prefix PREFIX ccglm-X.tgz` lays it out (PREFIX/lib/node_modules/ccglm, the bin
 * linked in PREFIX/bin). The tests run offline and the npm cache need not hold ccglm's
 * dependencies, so the real `npm install` cannot run here: the tarball's own files are unpacked
 * and its dependencies come from this checkout's node_modules (a second test checks that every
 * package the shipped code imports is a declared dependency).
 */
const root = path.resolve('.');
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-pack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('installed into a temp prefix, runs validate and the demo from an unrelated folder', () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
        encoding: 'utf8',
        env: { ...process.env, npm_config_cache: path.join(dir, 'npm-cache') },
      }),
    ) as { filename: string }[];
    const tarball = path.join(dir, packed[0]?.filename ?? '');
    const prefix = path.join(dir, 'prefix');
    const installed = path.join(prefix, 'lib', 'node_modules', manifest.name);
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    symlinkSync(path.join(root, 'node_modules'), path.join(installed, 'node_modules'));
    mkdirSync(path.join(prefix, 'bin'));
    symlinkSync(
      path.join('..', 'lib', 'node_modules', manifest.name, 'bin', 'ccglm.js'),
      path.join(prefix, 'bin', 'ccglm'),
    );
    // Nothing of the checkout in the package but what `files` names.
    expect(readdirSync(installed).sort()).toEqual(
      [
        'README.md',
        'bin',
        'dist',
        'fixtures',
        'node_modules',
        'package.json',
        'schemas',
        'templates',
      ].sort(),
    );
    expect(existsSync(path.join(installed, 'src'))).toBe(false);

    const work = path.join(dir, 'work');
    mkdirSync(work);
    const env = {
      ...process.env,
      PATH: `${path.join(prefix, 'bin')}:${process.env['PATH'] ?? ''}`,
      HOME: work,
      XDG_STATE_HOME: path.join(work, 'state'),
      CC_GLM_LOG_DIR: path.join(work, 'logs'),
      // The demo agent's pauses (700 ms a step) are for a person watching, not for a test.
      CCGLM_DEMO_DELAY_MS: '0',
    };
    const ccglm = (...args: string[]) =>
      spawnSync('ccglm', args, { cwd: work, env, encoding: 'utf8', timeout: 90_000 });
    expect(ccglm('--version').stdout).toBe(`${manifest.version}\n`);
    expect(ccglm('init', 'first')).toMatchObject({ status: 0 });
    // The template is found in the package; its placeholders are errors until edited.
    expect(ccglm('validate', 'first-plan.md').stdout).toContain('CCG313');
    const shipped = path.join(installed, 'fixtures', 'demo', 'demo-plan.md');
    expect(ccglm('validate', shipped)).toMatchObject({ status: 0 });
    const demo = ccglm('demo', path.join(work, 'demo'));
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/done: 5 completed, 0 failed/);
    // Its hints call the installed command by its name.
    expect(demo.stdout).toMatch(/^ {2}ccglm job status --log-dir /m);
  }, 120_000);

  it('every package the shipped code imports is a declared dependency (or one of theirs)', () => {
    const allowed = new Set(Object.keys(manifest.dependencies));
    for (const dep of Object.keys(manifest.dependencies)) {
      const own = JSON.parse(
        readFileSync(path.join('node_modules', dep, 'package.json'), 'utf8'),
      ) as { dependencies?: Record<string, string> };
      for (const sub of Object.keys(own.dependencies ?? {})) allowed.add(sub);
    }
    const builtins = new Set(builtinModules);
    const files = readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    expect(files.length).toBeGreaterThan(10);
    const missing = new Set<string>();
    for (const file of files) {
      const text = readFileSync(path.join('dist', file), 'utf8');
      for (const [, spec] of text.matchAll(
        /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']((?:@[\w.-]+\/)?[\w-][\w.-]*(?:\/[\w./-]*)?)["']/g,
      )) {
        const name = (spec as string).startsWith('@')
          ? (spec as string).split('/').slice(0, 2).join('/')
          : ((spec as string).split('/')[0] as string);
        if (name.startsWith('node:') || builtins.has(name)) continue;
        if (!allowed.has(name)) missing.add(`${name} (${file})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
