import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = path.resolve('bin/ccglm.js');
const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, HOME: dir, XDG_STATE_HOME: path.join(dir, 'state'), NO_COLOR: '1' };
const cli = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env });
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

const plan = path.join(dir, 'chain-plan.md');
writeFileSync(
  plan,
  ['T1', 'T2', 'T3']
    .map(
      (id, i) =>
        `### ${id}: Step ${i + 1}\n- **depends_on**: [${i === 0 ? '' : `T${i}`}]\n- **location**: src/${id}.ts\n- **description**: do ${id}\n- **status**: Not Started\n`,
    )
    .join('\n'),
);

describe('ccglm CLI', () => {
  it('a clone that was never built says what to run, in one line', () => {
    const clone = path.join(dir, 'unbuilt');
    mkdirSync(path.join(clone, 'bin'), { recursive: true });
    copyFileSync(bin, path.join(clone, 'bin', 'ccglm.js'));
    const result = spawnSync(process.execPath, [path.join(clone, 'bin', 'ccglm.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`ccglm: not built yet: run \`npm run build\` in ${clone}\n`);
  });

  it('`ccglm` alone and `ccglm help` print the command list, one line each, and examples', () => {
    const alone = cli([]);
    expect(alone.status).toBe(0);
    expect(alone.stdout).toContain(`ccglm ${version}: compile, check`);
    for (const name of [
      'init',
      'validate',
      'waves',
      'run',
      'prompt',
      'compile',
      'clean',
      'demo',
      'job',
      'headless',
    ])
      expect(alone.stdout).toMatch(new RegExp(`^ {2}${name}\\b.* {2,}[A-Z].*$`, 'm'));
    expect(alone.stdout).toMatch(/^Examples:\n {2}ccglm init auth {2,}write auth-plan\.md/m);
    expect(cli(['help']).stdout).toBe(alone.stdout);
    expect(cli(['help', 'help']).stdout).toBe(alone.stdout);
    expect(cli(['--help']).stdout).toBe(alone.stdout);
  });

  it('help text snapshots: the command list and run’s options (review the diff when they change)', () => {
    const wide = { ...env, COLUMNS: '100' };
    const show = (args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], {
        encoding: 'utf8',
        cwd: dir,
        env: wide,
      }).stdout.replace(version, 'VERSION');
    expect(show([])).toMatchSnapshot();
    expect(show(['help', 'run'])).toMatchSnapshot();
  });

  it('`ccglm help COMMAND` is that command’s help: every option with a description', () => {
    const help = cli(['help', 'run']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ccglm run <plan>\n/);
    expect(help.stdout).toMatch(/^ {6}--strategy +waves: a wave starts/m);
    expect(help.stdout).toMatch(/\[choices: "waves", "eager"\]/);
    expect(cli(['run', '--help']).stdout).toBe(help.stdout);
    // Every option line has a description (no bare `--flag   [type]`).
    expect(help.stdout).not.toMatch(/^ +--[a-z-]+ +\[(string|boolean|number)\]/m);
    expect(cli(['help', 'job']).stdout).toMatch(/^ccglm job <command>/);
    // A job command's own help, both ways round.
    expect(cli(['help', 'job', 'status']).stdout).toMatch(/^ccglm job status\n/);
    expect(cli(['job', 'help', 'status']).stdout).toMatch(/^ccglm job status\n/);
    expect(cli(['help', 'rn'])).toMatchObject({
      status: 2,
      stderr: 'ccglm: unknown command rn; did you mean run? (see ccglm --help)\n',
    });
  });

  it('`--` ends the options: what follows is the plan, even a name that starts with -', () => {
    const odd = path.join(dir, '-odd-plan.md');
    copyFileSync(plan, odd);
    expect(cli(['waves', '--', plan]).stdout).toContain('Wave 1');
    const result = cli(['validate', '--quiet', '--', '-odd-plan.md']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('an unknown flag is named as such, with the closest known one (exit 2)', () => {
    expect(cli(['run', '--dryrun', 'plan.md'])).toMatchObject({
      status: 2,
      stderr:
        'ccglm: unknown option --dryrun for ccglm run; did you mean --dry-run? (see ccglm help run)\n',
    });
    expect(cli(['validate', '--quite', 'plan.md']).stderr).toBe(
      'ccglm: unknown option --quite for ccglm validate; did you mean --quiet? (see ccglm help validate)\n',
    );
    // job and headless (yargs modules): the option in its typed spelling, once.
    expect(cli(['job', 'start', '--prompt-fil', 'p', '--', 'true'])).toMatchObject({
      status: 2,
      stderr:
        'ccglm: unknown option --prompt-fil; did you mean --prompt-file? (see ccglm job start --help)\n',
    });
    expect(cli(['job', 'tail', '--beads', 'x', 'extra']).stderr).toBe(
      'ccglm: unexpected argument "extra" (see ccglm job tail --help)\n',
    );
    expect(cli(['no-such-command'])).toMatchObject({
      status: 2,
      stderr: 'ccglm: unknown command no-such-command (see ccglm --help)\n',
    });
  });

  it.each([
    [['waves', plan, '--concurrency', 'abc'], '--concurrency "abc": expected a whole number ≥ 1'],
    [['validate', plan, '--concurrency', '0'], '--concurrency "0": expected a whole number ≥ 1'],
    [
      ['run', plan, '--concurrency', 'lots'],
      '--concurrency "lots": expected a whole number ≥ 1, or "unlimited"',
    ],
    [['run', plan, '--stall-minutes', 'x'], '--stall-minutes "x": expected a number > 0'],
    [['run', plan, '--strategy', 'fast'], '--strategy "fast": expected one of waves, eager'],
    [['waves', plan, '--format=svg'], '--format "svg": expected one of text, json, mermaid, dot'],
    [['run', plan, '--only', 'T1,../x'], '--only "T1,../x": expected task ids such as T2'],
    [['run', plan, '--from', 'first'], '--from "first": expected a task id such as T2'],
    [
      ['run', plan, '--repos', path.join(dir, 'nope')],
      `--repos "${path.join(dir, 'nope')}": expected an existing folder`,
    ],
    [['clean', '--logs', '--older-than', 'soon'], '--older-than "soon": expected an age like 7d'],
    [['run', plan, '--log-dir', ''], '--log-dir "": expected a path, not an empty value'],
    [['run', plan, '--dry-run', '--only', 'T99'], `--only "T99": no task T99 in ${plan}`],
    [['run', plan, '--only', ''], '--only "": expected task ids such as T2'],
    [['headless', '--provider', 'foo'], '--provider "foo": expected one of zai, anthropic'],
    [
      ['clean', '--logs', 'nosuch-plan.md', '--log-dir', dir],
      `nosuch-plan.md: no such plan file, and no job of it in ${dir} (jobs are named nosuch-<task>-…)`,
    ],
    [['prompt', plan, 'first'], 'TASK "first": expected a task id such as T2'],
    [['run', plan, '--dry-run=3'], '--dry-run is a switch'],
    [['run', plan, '--agent'], '--agent needs a value'],
    [['run'], 'ccglm run needs PLAN: ccglm run <plan> [options]'],
    [['report', plan, '--format', 'pdf'], '--format "pdf": expected one of html, svg, json'],
    [
      ['report', plan, '--ouput', 'r.html'],
      'unknown option --ouput for ccglm report; did you mean --output?',
    ],
    [['status'], 'ccglm status needs PLAN: ccglm status <plan> [options]'],
    [['status', plan, '--watch'], 'unknown option --watch for ccglm status'],
    [['targets', 'nosuch'], 'ACTION "nosuch": expected one of list, check, install, here'],
    [['targets', '--timeout', 'abc'], '--timeout "abc": expected a number > 0'],
    [
      ['targets', '--config', path.join(dir, 'nope.json')],
      `--config "${path.join(dir, 'nope.json')}": expected an existing file`,
    ],
    [['targets', 'check'], 'targets check needs the target name'],
    [['demo', plan], `DIR "${plan}": expected a new or empty folder`],
    [['demo', dir], `DIR "${dir}": expected a new or empty folder`],
    [
      ['demo', path.join(plan, 'sub')],
      `DIR "${path.join(plan, 'sub')}": expected a new or empty folder, in an existing folder`,
    ],
    [
      ['init', 'x', '--dir', path.join(dir, 'nope')],
      `--dir "${path.join(dir, 'nope')}": expected an existing folder`,
    ],
    [
      ['config', path.join(dir, 'nope')],
      `PLAN "${path.join(dir, 'nope')}": expected an existing plan file or folder`,
    ],
  ])('%j: one line naming the flag, the value and what is expected, exit 2', (args, message) => {
    const result = cli(args);
    expect(result.status).toBe(2);
    expect(result.stderr.startsWith(`ccglm: ${message}`)).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an option given twice keeps its last value (a number whose last value is 1 too; no list)', () => {
    const logs = path.join(dir, 'twice-logs');
    mkdirSync(logs, { recursive: true });
    const watchdog = cli([
      ...['job', 'watchdog', '--once', '--log-dir', logs],
      ...['--interval', '60', '--interval', '1', '--stall-minutes', '20', '--stall-minutes=1'],
      ...['--max-retries', '3', '--max-retries', '1'],
    ]);
    expect(watchdog.status).toBe(0);
    expect(watchdog.stdout).toMatch(/interval=1s stall=1m max-retries=1 /);
    const headless = cli(['headless', '--agent-cmd', 'cat', '--prompt', 'a', '--prompt', 'b']);
    expect(headless.stderr).not.toContain('internal error');
    expect(headless.stdout).toBe('b');
    const dry = cli(['run', plan, '--dry-run', '--log-dir', logs, '--log-dir', `${logs}-2`]);
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    // The value said is the last one given.
    expect(cli(['job', 'tail', '--beads', 'x', '--lines', '5', '--lines', 'abc']).stderr).toBe(
      'ccglm: --lines "abc": expected a number ≥ 0\n',
    );
    const maybe = cli(['job', 'status', '--log-dir', logs, '--json=maybe']);
    expect(maybe.stderr).toBe('ccglm: --json is a switch: give it alone, not =maybe\n');
    expect(maybe.status).toBe(2);
    expect(cli(['job', 'status', '--log-dir', logs, '--json=true']).status).toBe(0);
    // A bad value is a usage error (2) whether or not the job exists (no such job: 1).
    for (const bad of ['-3', 'Infinity']) {
      const tail = cli(['job', 'tail', '--beads', 'nope', '--log-dir', logs, '--lines', bad]);
      expect(tail.stderr).toBe(`ccglm: --lines "${bad}": expected a number ≥ 0\n`);
      expect(tail.status).toBe(2);
    }
  });

  it('one version everywhere: --version (-v first) and headless --version', () => {
    expect(cli(['--version']).stdout).toBe(`${version}\n`);
    expect(cli(['-v']).stdout).toBe(`${version}\n`);
    expect(cli(['job', '-v']).stdout).toBe(`${version}\n`);
    expect(cli(['headless', '--version']).stdout).toBe(`ccglm headless version ${version}\n`);
    for (const args of [
      ['run', '--version'],
      ['status', plan, '--version'],
      ['job', 'status', '--version'],
    ])
      expect(cli(args)).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it('run --only refuses a task whose dependency is not Completed, and the plan is untouched', () => {
    const before = readFileSync(plan, 'utf8');
    const result = cli(['run', plan, '--only', 'T2', '--agent', 'demo']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'ccglm: --only T2: T2 cannot start (dependency T1 is not Completed and not part of this run); add the dependency to --only, or use --from\n',
    );
    expect(readFileSync(plan, 'utf8')).toBe(before);
  });

  it('run --from T2 --dry-run says what that run would start', () => {
    const from = cli(['run', plan, '--from', 'T2', '--dry-run']);
    expect(from.stdout).toContain('Wave 1');
    // T2 waits for T1, which is neither Completed nor chosen: refused, as a real run would be.
    expect(from.status).toBe(2);
    writeFileSync(plan, readFileSync(plan, 'utf8').replace('Not Started', 'Completed'));
    const ok = cli(['run', plan, '--from', 'T2', '--dry-run']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('This run (--from T2) would start: T2, T3\n');
    expect(cli(['run', plan, '--only', 'T2', '--dry-run']).stdout).toContain(
      'This run (--only T2) would start: T2\n',
    );
  });
});
