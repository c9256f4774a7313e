import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, initRepo } from '../run/helpers.js';

// A project: ccglm.config.json at its top, plans in a sub-folder, the repository beside them.
const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project = path.join(dir, 'project');
const plans = path.join(project, 'plans');
const repo = path.join(project, 'app');
const elsewhere = path.join(dir, 'elsewhere');
mkdirSync(plans, { recursive: true });
mkdirSync(elsewhere);
initRepo(repo);
const plan = path.join(plans, 'two-plan.md');
writeFileSync(
  plan,
  ['T1', 'T2']
    .map(
      (id) =>
        `### ${id}: Step\n- **depends_on**: []\n- **repo**: app\n- **location**: src/${id}.ts\n- **description**: do ${id}\n- **status**: Not Started\n`,
    )
    .join('\n'),
);
const warnPlan = path.join(plans, 'warn-plan.md');
writeFileSync(warnPlan, '### T1: A\n- **depends_on**: []\n- **description**: d\n');
const configFile = path.join(project, 'ccglm.config.json');
const writeConfig = (config: unknown, file = configFile) =>
  writeFileSync(file, JSON.stringify(config));

const ccglm = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd: elsewhere,
    encoding: 'utf8',
    // The demo agent's pauses (700 ms a step) are for a person watching, not for a test.
    env: {
      ...process.env,
      HOME: dir,
      XDG_STATE_HOME: path.join(dir, 'state'),
      CCGLM_DEMO_DELAY_MS: '0',
    },
  });

describe('ccglm.config.json', () => {
  it("is found from the plan's folder upward (not the current folder) for validate and run", () => {
    // run.repos: the project folder, which holds the repository `app` (read from the config's folder).
    writeConfig({
      validate: { strict: true },
      run: { worktreeRoot: 'wt', logDir: '/tmp/x-logs', repos: '.' },
    });
    expect(ccglm('validate', warnPlan).status).toBe(1);
    expect(ccglm('validate', '--no-strict', warnPlan).status).toBe(0);
    const check = ccglm(
      'run',
      plan,
      '--check',
      '--agent',
      'demo',
      '--log-dir',
      path.join(dir, 'logs'),
    );
    // The config's relative path is read from the config's folder; the flag wins over the config.
    expect(check.stdout).toContain(`PASS worktree root ${path.join(project, 'wt')}: writable`);
    expect(check.stdout).toContain(`PASS log dir ${path.join(dir, 'logs')}: writable`);
    expect(check.status).toBe(0);
  });

  it('--config FILE is used instead; a bad value is one line naming the file and the setting', () => {
    const other = path.join(dir, 'other.json');
    writeConfig({ run: { worktreeRoot: path.join(dir, 'other-wt'), repos: project } }, other);
    const check = ccglm('run', plan, '--check', '--agent', 'demo', '--config', other);
    expect(check.stdout).toContain(`PASS worktree root ${path.join(dir, 'other-wt')}: writable`);
    writeConfig({ run: { strategy: 'fast' } }, other);
    const bad = ccglm('run', plan, '--check', '--config', other);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      `ccglm: ${other}:1: run.strategy: expected one of waves, eager, got "fast"\n(the schema: schemas/config.schema.json)\n`,
    );
    expect(ccglm('run', plan, '--config', path.join(dir, 'none.json')).stderr).toMatch(
      /^ccglm: --config ".*none\.json": expected an existing file/,
    );
  });

  it('a run takes its strategy and concurrency from the config unless a flag is given', () => {
    writeConfig({
      run: {
        strategy: 'eager',
        concurrency: 4,
        worktreeRoot: 'wt',
        logDir: '../logs',
        pty: false,
        repos: '.',
      },
    });
    const result = ccglm('run', plan, '--agent', 'demo', '--concurrency', '1');
    expect(result.stdout).toContain('2 tasks in 1 wave (strategy eager, concurrency 1)');
    expect(result.status, result.stderr).toBe(0);
    // clean looks where the config says the plan's runs put things (its repos, from elsewhere).
    const clean = ccglm('clean', plan, '--dry-run');
    expect(clean.stderr).toBe('');
    expect(clean.status).toBe(0);
  });

  it('ccglm config prints each setting and where it came from', () => {
    writeConfig({
      run: { strategy: 'eager' },
      validate: { ignore: ['CCG308'] },
      targets: { box: { ssh: 'me@box', enabled: false } },
    });
    const text = ccglm('config', plan);
    expect(text.stdout).toContain(`config file: ${configFile} (found from ${plans} upward)`);
    expect(text.stdout).toMatch(new RegExp(`^run\\.strategy +eager +${configFile}$`, 'm'));
    expect(text.stdout).toMatch(/^run\.concurrency +3 +default$/m);
    expect(text.stdout).toMatch(/^validate\.ignore +\["CCG308"\] +\S+ccglm\.config\.json$/m);
    expect(text.stdout).toMatch(/^targets\.box +me@box \(disabled\) +\S+ccglm\.config\.json$/m);
    const json = JSON.parse(ccglm('config', plan, '--json').stdout) as {
      file: string;
      settings: { setting: string; value: unknown; source: string }[];
    };
    expect(json.file).toBe(configFile);
    expect(json.settings.find((s) => s.setting === 'run.strategy')).toEqual({
      setting: 'run.strategy',
      value: 'eager',
      source: configFile,
    });
    expect(ccglm('config').stdout).toMatch(/^config file: none/);
  });
});
