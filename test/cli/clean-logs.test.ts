import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../../src/run/lock.js';
import { parseAge } from '../../src/jobs/prune.js';
import { ccglmBin } from '../../src/paths.js';

let root: string;
let logDir: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ccglm-clean-logs-'));
  logDir = path.join(root, 'jobs');
  fs.mkdirSync(logDir);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const DAY = 86_400_000;

/**
 * A job's files, last changed `ageMs` ago; `pid` alive makes it a running job. Its meta names the
 * plan `<root>/<topic>-plan.md` (as a run's does), or `plan`.
 */
function writeJob(
  id: string,
  ageMs: number,
  pid = 999_999,
  finished = true,
  plan = path.join(root, `${id.split('-')[0]}-plan.md`),
): string[] {
  const startTime = pid === process.pid ? (processStartTime(pid) ?? '') : '1';
  const files: Record<string, string> = {
    [`${id}.meta`]: `beads=${id}\nplan=${plan}\npid=${pid}\npid_start_time=${startTime}\nlaunch_state=running\n`,
    [`${id}.pid`]: `${pid}\n`,
    [`${id}.log`]: 'output\n',
    [`${id}.log.1`]: 'an earlier attempt\n',
    [`${id}.contract`]: '# contract\n',
    [`${id}.prompt`]: 'the prompt\n',
    ...(finished ? { [`${id}.outcome`]: `beads=${id}\nexit_code=0\nstate=success\n` } : {}),
  };
  const at = new Date(Date.now() - ageMs);
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(logDir, name), text);
    fs.utimesSync(path.join(logDir, name), at, at);
  }
  return Object.keys(files).sort();
}

function clean(...args: string[]) {
  const result = spawnSync(process.execPath, [ccglmBin, 'clean', '--logs', ...args], {
    encoding: 'utf8',
    cwd: root,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ccglm clean --logs', () => {
  it("removes old finished jobs' files, keeps recent and running ones; --dry-run only says", () => {
    const old = writeJob('app-T1-old', 9 * DAY);
    writeJob('app-T2-new', DAY);
    writeJob('app-T3-live', 9 * DAY, process.pid, false);
    writeJob('other-T1-old', 9 * DAY);
    fs.writeFileSync(path.join(logDir, 'ccglm-run-abc.state.json'), '{}\n');
    const before = fs.readdirSync(logDir).sort();

    const dry = clean('--log-dir', logDir, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^would remove app-T1-old \(7 file\(s\), 0\.\d kB, last change 9d ago\)\nwould remove other-T1-old .*\nkept {4}app-T3-live \(still running\)\n2 job\(s\) to remove \(0\.\d kB\) from .*, 1 running kept\n$/,
    );
    expect(fs.readdirSync(logDir).sort()).toEqual(before);

    // Another plan of the same file name (elsewhere): its jobs have the same names.
    writeJob('app-T4-elsewhere', 9 * DAY, 999_999, true, path.join(root, 'b', 'app-plan.md'));
    // An older run's job: no plan= line, the plan is named in its agent's environment.
    const older = path.join(logDir, 'app-T5-older.meta');
    const env = JSON.stringify({ CCGLM_PLAN: path.join(root, 'app-plan.md') });
    fs.writeFileSync(older, `beads=app-T5-older\njob_env=${env}\nlaunch_state=exited\n`);
    fs.utimesSync(older, new Date(Date.now() - 9 * DAY), new Date(Date.now() - 9 * DAY));
    // Given a plan, only the jobs whose meta names it (`<plan>-<task>-<stamp>`, the same plan path).
    const planned = clean(path.join(root, 'app-plan.md'), '--log-dir', logDir);
    expect(planned.stdout).toContain('removed app-T1-old (7 file(s)');
    expect(planned.stdout).toContain('removed app-T5-older (1 file(s)');
    expect(planned.stdout).not.toContain('other-T1-old');
    expect(planned.stdout).not.toContain('app-T4-elsewhere');
    const left = fs.readdirSync(logDir);
    for (const name of old) expect(left).not.toContain(name);
    expect(left).toContain('other-T1-old.meta');
    expect(left).toContain('app-T4-elsewhere.meta');
    expect(left).toContain('app-T2-new.meta');
    expect(left).toContain('app-T3-live.meta');
    expect(left).toContain('ccglm-run-abc.state.json');

    expect(clean('--log-dir', logDir, '--older-than', '12h').stdout).toContain(
      '3 job(s) removed (0.',
    );
    expect(fs.readdirSync(logDir).sort()).toEqual([
      ...writeJob('app-T3-live', 9 * DAY, process.pid, false),
      'ccglm-run-abc.state.json',
    ]);
  });

  it('a bad age is a usage error; without --logs a plan is needed', () => {
    expect(clean('--log-dir', logDir, '--older-than', 'soon')).toMatchObject({
      code: 2,
      stderr:
        'ccglm: --older-than "soon": expected an age like 7d, 12h, 30m or 2w (see ccglm help clean)\n',
    });
    const noPlan = spawnSync(process.execPath, [ccglmBin, 'clean'], { encoding: 'utf8' });
    expect(noPlan.status).toBe(2);
    expect(noPlan.stderr).toContain('Give the plan whose worktrees to clean');
    expect(parseAge('7d')).toBe(7 * DAY);
    expect(parseAge('30m')).toBe(1_800_000);
    expect(parseAge('0')).toBe(0);
  });
});
