import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bin } from '../run/helpers.js';
import { installCcglm, sshdMissing, startSshd, type Sshd } from '../../scripts/sshd.mjs';

const missing = sshdMissing();
if (missing !== undefined)
  console.warn(`skipping the targets tests against a real sshd: ${missing}`);

describe.skipIf(missing !== undefined)(
  'ccglm targets, against real sshd servers on loopback',
  () => {
    let dir: string;
    let project: string;
    let a: Sshd;
    let b: Sshd;
    let down: Sshd;
    const env = () => ({
      ...process.env,
      HOME: path.join(dir, 'local-home'),
      XDG_STATE_HOME: path.join(dir, 'state'),
      CCGLM_AGENT: 'demo',
    });
    const ccglm = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], { cwd: project, env: env(), encoding: 'utf8' });
    const writeConfig = (targets: Record<string, unknown>) =>
      writeFileSync(path.join(project, 'ccglm.config.json'), JSON.stringify({ targets }));

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'ccglm-targets-'));
      project = path.join(dir, 'project');
      mkdirSync(project);
      mkdirSync(path.join(dir, 'local-home'));
      a = await startSshd(dir, 'alpha', { CCGLM_AGENT: 'demo' });
      b = await startSshd(dir, 'beta', { CCGLM_AGENT: 'demo' });
      down = await startSshd(dir, 'gone');
      await down.stop();
      // A path with a space, a quote and a command substitution: it must reach the target as one word.
      const odd = installCcglm(a.home, "cc glm 'x' $(touch INJECTED)");
      installCcglm(b.home);
      writeConfig({
        alpha: { ssh: 'alpha', transport: a.transport, ccglm: odd },
        beta: {
          ssh: 'beta',
          transport: b.transport,
          ccglm: path.join(b.home, 'bin', 'ccglm'),
          enabled: false,
          gate: 'test -f "$HOME/gate-ok" || { echo "gate: no $HOME/gate-ok" >&2; exit 1; }',
        },
        gone: { ssh: 'gone', transport: down.transport },
      });
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    });

    test('lists this machine and every target: ready, disabled (gate not run), unreachable; exit 1', () => {
      const listed = ccglm('targets');
      expect(listed.stderr).toBe('');
      const out = listed.stdout;
      expect(out).toMatch(/^local \(this machine\): ready; ccglm \S+, node v/m);
      expect(out).toMatch(
        /^alpha \(alpha, via ssh\): ready; ccglm \S+, node v\S+, \S+; answered in \d+ ms/m,
      );
      expect(out).toContain('  agent demo: ');
      expect(out).toMatch(/^beta \(beta, via ssh\): disabled;/m);
      expect(out).toContain(
        '  gate: not run; the target is disabled until it passes: ccglm targets check beta',
      );
      expect(out).toMatch(
        /^gone \(gone, via ssh\): unreachable\n {2}problem: unreachable: .*(refused|closed)/m,
      );
      expect(listed.status).toBe(1); // `gone` is enabled and cannot take tasks
      // Each target ran under its own HOME; the odd ccglm path was one word, nothing was run from it.
      expect(existsSync(path.join(a.home, 'INJECTED'))).toBe(false);
      expect(existsSync(path.join(project, 'INJECTED'))).toBe(false);

      const json = JSON.parse(ccglm('targets', '--json').stdout) as {
        targets: {
          name: string;
          reachable: boolean;
          enabled: boolean;
          gate: string;
          facts?: { ccglm: string };
        }[];
      };
      expect(json.targets.map((t) => [t.name, t.reachable, t.enabled, t.gate])).toEqual([
        ['local', true, true, 'none'],
        ['alpha', true, true, 'none'],
        ['beta', true, false, 'not run'],
        ['gone', false, true, 'none'],
      ]);
    }, 60_000);

    test('check runs the gate: failed until it passes on the target, then the target is ready', () => {
      const failed = ccglm('targets', 'check', 'beta');
      expect(failed.stdout).toContain('gate: failed: gate: no ');
      expect(failed.status).toBe(1);
      writeFileSync(path.join(b.home, 'gate-ok'), '');
      const passed = ccglm('targets', 'check', 'beta');
      expect(passed.stdout).toMatch(/^beta \(beta, via ssh\): ready;/m);
      expect(passed.stdout).toContain('  gate: passed');
      expect(passed.status).toBe(0);
    }, 60_000);

    test("validate checks each task's target: unknown and disabled ones at their line, a passing gate lets it through", () => {
      rmSync(path.join(b.home, 'gate-ok'), { force: true });
      const task = (id: string, target: string) =>
        [
          `### ${id}: Task ${id}`,
          '- **depends_on**: []',
          `- **target**: ${target}`,
          `- **location**: ${id}.txt`,
          `- **description**: Do ${id}.`,
          '- **status**: Not Started',
          '',
        ].join('\n');
      const planFile = path.join(project, 'spread-plan.md');
      writeFileSync(
        planFile,
        [
          '# Plan: Spread',
          '',
          task('T1', 'local'),
          task('T2', 'alpha'),
          task('T3', 'beta'),
          task('T4', 'nowhere'),
        ].join('\n'),
      );
      const first = ccglm('validate', planFile);
      expect(first.status).toBe(1);
      expect(first.stdout).toContain(
        `spread-plan.md:19:14: error CCG321 Target \`beta\` is disabled in ${path.join(project, 'ccglm.config.json')} until its gate passes`,
      );
      expect(first.stdout).toContain(
        `spread-plan.md:26:14: error CCG320 Unknown target \`nowhere\`; ${path.join(project, 'ccglm.config.json')} declares: local, alpha, beta, gone`,
      );
      expect(first.stdout).not.toMatch(/CCG32\d Target `alpha`|Unknown target `(alpha|local)`/);

      writeFileSync(path.join(b.home, 'gate-ok'), '');
      const second = ccglm('validate', planFile);
      expect(second.stdout).not.toContain('CCG321');
      expect(second.stdout).toContain('CCG320');
    }, 60_000);

    test('job status|health --target: this machine and every enabled target in one table; an unreachable one is named, exit 1', async () => {
      const prompt = path.join(dir, 'prompt.txt');
      writeFileSync(prompt, 'hello\n');
      const localLogs = path.join(dir, 'local-logs');
      // One job here, one in alpha's workdir (the target is this machine under another HOME).
      const alphaLogs = path.join(a.home, 'ccglm-work', 'logs');
      for (const [id, logs] of [
        ['here-1', localLogs],
        ['there-1', alphaLogs],
      ] as const)
        expect(
          ccglm(
            'job',
            'start',
            '--beads',
            id,
            '--prompt-file',
            prompt,
            '--log-dir',
            logs,
            '--',
            'true',
          ).status,
        ).toBe(0);
      for (const logs of [localLogs, alphaLogs])
        for (let i = 0; i < 100 && !readdirSync(logs).some((f) => f.endsWith('.outcome')); i += 1)
          await new Promise((resolve) => setTimeout(resolve, 50));

      const all = ccglm('job', 'status', '--target', 'all', '--log-dir', localLogs);
      expect(all.status).toBe(1);
      expect(all.stdout).toMatch(/^target +bead +pid +state +elapsed/);
      expect(all.stdout).toMatch(/^local +here-1 +\d+ +exited_ok /m);
      expect(all.stdout).toMatch(/^alpha +there-1 +\d+ +exited_ok /m);
      expect(all.stdout).not.toMatch(/^beta/m); // disabled: only when named
      expect(all.stderr).toMatch(/^ccglm: target gone: unreachable: /m);

      const one = ccglm('job', 'status', '--target', 'alpha', '--json');
      expect(one.status).toBe(0);
      expect(one.stdout.trimEnd().split('\n')).toHaveLength(1);
      const doc = JSON.parse(one.stdout) as { jobs: { target: string; beads: string }[] };
      expect(doc.jobs.map((job) => [job.target, job.beads])).toEqual([['alpha', 'there-1']]);

      // --beads picks one job on every machine.
      const picked = ccglm('job', 'status', '--target', 'all', '--beads', 'there-1', '--json');
      expect(
        (JSON.parse(picked.stdout) as { jobs: { target: string; beads: string }[] }).jobs.map(
          (job) => [job.target, job.beads],
        ),
      ).toEqual([['alpha', 'there-1']]);
      const health = ccglm('job', 'health', '--target', 'alpha');
      expect(health.stdout).toMatch(/^alpha +there-1 +\d+ +exited_ok/m);
      expect(ccglm('job', 'status', '--target', 'nope').stderr).toMatch(
        /--target "nope": expected local, all or a target of ccglm\.config\.json \(alpha, beta, gone\)/,
      );
      // Nothing ran in a remote shell from the odd ccglm path's characters.
      expect(existsSync(path.join(a.home, 'INJECTED'))).toBe(false);
    }, 60_000);

    test('an unknown target, a bad name, a host that reads as an option, a changed host key', () => {
      const unknown = ccglm('targets', 'check', 'nope');
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(
        /no target "nope" in .*ccglm\.config\.json; known: local, alpha, beta, gone/,
      );

      writeConfig({ 'bad name': { ssh: 'x' } });
      expect(ccglm('targets').stderr).toMatch(/targets\.bad name: a target name is letters/);
      writeConfig({ evil: { ssh: '-oProxyCommand=touch INJECTED' } });
      const evil = ccglm('targets');
      expect(evil.status).toBe(2);
      expect(evil.stderr).toMatch(/targets\.evil: ssh must be a host or user@host/);

      // A known_hosts entry that does not match: refused, never accepted silently.
      const other = path.join(dir, 'other_known_hosts');
      writeFileSync(
        other,
        `[127.0.0.1]:${a.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`,
      );
      writeConfig({
        alpha: { ssh: 'alpha', transport: [...a.transport, '-o', `UserKnownHostsFile=${other}`] },
      });
      const spoofed = ccglm('targets', 'check', 'alpha');
      expect(spoofed.status).toBe(1);
      expect(spoofed.stdout).toMatch(
        /unreachable: .*(Host key verification failed|HOST IDENTIFICATION HAS CHANGED)/i,
      );
    }, 60_000);
  },
);
