/**
 * Where else to look when the local log folder has no jobs: the shell runner hard-codes its author's
 * machines; ccglm names the `targets` of the user's ccglm.config.json (found from the current folder
 * up), each with the exact command to run there, and otherwise says how to declare them.
 */
import os from 'node:os';
import type { Target } from '../targets/config.js';
import { loadTargets } from '../targets/load.js';
import { remoteLine } from '../targets/ssh.js';
import { shellQuote } from '../run/summary.js';
import { findOtherLogDirs } from './log-dirs.js';

/** `ssh me@host 'ccglm job status'`, through the target's transport, to paste into a shell. */
export function remoteCommand(target: Target, words: string[]): string {
  return [...target.transport, target.ssh, remoteLine([target.ccglm, ...words])]
    .map(shellQuote)
    .join(' ');
}

/** The enabled targets of the nearest config, or a one-line reason none can be named. */
async function enabledTargets(cwd: string): Promise<Target[] | string> {
  try {
    const { file, targets } = await loadTargets(cwd);
    if (file === undefined) return 'no ccglm.config.json found from here up';
    const enabled = [...targets.values()].filter((target) => target.enabled);
    return enabled.length > 0 ? enabled : `${file} declares no enabled targets`;
  } catch (error) {
    return (error as Error).message;
  }
}

/** `hint: if jobs were dispatched to remote VMs, check:` and one line per target. */
export async function remoteHints(cwd: string, words: string[]): Promise<string[]> {
  const targets = await enabledTargets(cwd);
  if (typeof targets === 'string')
    return [
      'hint: if jobs were dispatched to remote VMs, declare them to have them listed here',
      `hint: (${targets}); e.g. ccglm.config.json: {"targets": {"macmini": {"ssh": "me@macmini"}}}`,
    ];
  // What `ccglm run` started on them is in each target's <workdir>/logs: one table for all.
  const all =
    words[1] === 'status' || words[1] === 'health'
      ? [`hint: tasks ccglm run started on them: ccglm job ${words[1]} --target all`]
      : [];
  return [
    'hint: if jobs were dispatched to remote VMs, check:',
    ...targets.map((target) => `  - ${target.name}: ${remoteCommand(target, words)}`),
    ...all,
  ];
}

/** The runner's lines for an empty log folder (status, health, watchdog). */
export async function emptyLogDirHints(
  logDir: string,
  cwd: string,
  /** The ccglm command's words (after `ccglm`) a target is to run. */
  command: string[],
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
