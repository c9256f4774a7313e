/**
 * The user's other machines (`targets` in ccglm.config.json), reached with the SSH transport they
 * already use. `local` is this machine and is never declared.
 */
import { CcglmError, ExitCode } from '../errors.js';

/** One target as written in ccglm.config.json. */
export interface TargetConfig {
  /** Where to log in, as the transport takes it: `me@macmini`, or a Host alias of ~/.ssh/config. */
  ssh: string;
  /**
   * The command that behaves like `ssh HOST COMMAND`: ["ssh"] (default), ["tailscale", "ssh"], or
   * ssh with options such as ["ssh", "-F", "/path/to/config"].
   */
  transport?: string[];
  /** The folder on the target that holds ccglm's clones and worktrees (default `~/ccglm-work`). */
  workdir?: string;
  /** A disabled target runs nothing until its gate passes (default true). */
  enabled?: boolean;
  /** A command run on the target (by its login shell) that must exit 0 before a disabled target is used. */
  gate?: string;
  /** How to start ccglm on the target (default `ccglm`, found on the target's PATH). */
  ccglm?: string;
}

export interface Target {
  name: string;
  ssh: string;
  transport: string[];
  workdir: string;
  enabled: boolean;
  gate?: string;
  ccglm: string;
}

export const LOCAL = 'local';
const NAME = /^[A-Za-z0-9][\w.-]*$/;

/** The declared targets by name, checked: plain names, no `local`, nothing that reads as an option. */
export function readTargets(
  targets: Record<string, TargetConfig> | undefined,
  file: string,
): Map<string, Target> {
  const found = new Map<string, Target>();
  for (const [name, config] of Object.entries(targets ?? {})) {
    const bad = (what: string) =>
      new CcglmError(`${file}: targets.${name}: ${what}`, ExitCode.usage);
    if (name === LOCAL) throw bad('`local` is this machine and cannot be declared');
    if (!NAME.test(name)) throw bad('a target name is letters, digits, `.`, `_` and `-`');
    if (config.ssh.startsWith('-') || config.ssh.trim() === '')
      throw bad(`ssh must be a host or user@host, got ${JSON.stringify(config.ssh)}`);
    const transport = config.transport ?? ['ssh'];
    if (transport.length === 0) throw bad('transport must name a command, e.g. ["ssh"]');
    found.set(name, {
      name,
      ssh: config.ssh,
      transport,
      workdir: config.workdir ?? '~/ccglm-work',
      enabled: config.enabled ?? true,
      ...(config.gate !== undefined ? { gate: config.gate } : {}),
      ccglm: config.ccglm ?? 'ccglm',
    });
  }
  return found;
}
