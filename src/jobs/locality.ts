/**
 * Where else to look when the local log folder has no jobs: the shell runner hard-codes its author's
 * machines; ccglm names the `targets` of the user's ccglm.config.json (found from the current folder
 * up), each with the exact command to run there, and otherwise says how to declare them.
 */
import os from 'node:os';
import { findConfig } from '../agent/config.js';
import { loadConfig, type TargetConfig } from '../config-file.js';
import { findOtherLogDirs } from './log-dirs.js';

/** POSIX single quotes, for a command shown to be pasted into a shell. */
const quote = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/** `ssh me@host 'ccglm job status'`, through the target's transport. */
export function remoteCommand(target: TargetConfig, command: string): string {
  return [...(target.transport ?? ['ssh']), target.ssh].map(quote).join(' ') + ` ${quote(command)}`;
}

/** The enabled targets of the nearest config, or a one-line reason none can be named. */
async function readTargets(cwd: string): Promise<Array<[string, TargetConfig]> | string> {
  const file = findConfig(cwd);
  if (file === undefined) return 'no ccglm.config.json found from here up';
  try {
    const config = await loadConfig(file);
    const targets = Object.entries(config.targets ?? {}).filter(([, t]) => t.enabled !== false);
    return targets.length > 0 ? targets : `${file} declares no targets`;
  } catch (error) {
    return (error as Error).message;
  }
}

/** `hint: if jobs were dispatched to remote VMs, check:` and one line per target. */
export async function remoteHints(cwd: string, command: string): Promise<string[]> {
  const targets = await readTargets(cwd);
  if (typeof targets === 'string')
    return [
      'hint: if jobs were dispatched to remote VMs, declare them to have them listed here',
      `hint: (${targets}); e.g. ccglm.config.json: {"targets": {"macmini": {"ssh": "me@macmini"}}}`,
    ];
  return [
    'hint: if jobs were dispatched to remote VMs, check:',
    ...targets.map(([name, target]) => `  - ${name}: ${remoteCommand(target, command)}`),
  ];
}

/** The runner's lines for an empty log folder (status, health, watchdog). */
export async function emptyLogDirHints(
  logDir: string,
  cwd: string,
  command: string,
  /** Name other cc-glm-jobs folders (not when --log-dir chose this one on purpose). */
  suggestOthers = true,
): Promise<string[]> {
  const others = suggestOthers ? findOtherLogDirs(logDir) : [];
  return [
    `(no jobs found in ${logDir})`,
    ...(others.length > 0
      ? [
          'hint: found alternate log dirs:',
          ...others.map((dir) => `  ${dir}`),
          'hint: rerun with --log-dir <one-of-the-above>',
        ]
      : []),
    `hint: local logs on ${os.hostname()} at ${logDir} are empty`,
    ...(await remoteHints(cwd, command)),
  ];
}
