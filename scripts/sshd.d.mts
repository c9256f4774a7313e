// Types of sshd.mjs (see there).
export declare const SSHD = '/usr/sbin/sshd';
/** Why these tests cannot run here, or undefined. */
export declare function sshdMissing(): string | undefined;
/** A `ccglm` on a target: this checkout's built CLI, as `<home>/bin/<name>`; returns its path. */
export declare function installCcglm(home: string, name?: string): string;
export interface Sshd {
  /** The Host alias in `sshConfig`. */
  host: string;
  port: number;
  /** The target's HOME on the "remote" side. */
  home: string;
  /** The transport for this server: ["ssh", "-F", sshConfig]. */
  transport: string[];
  stop(): Promise<void>;
  /** Kills the per-connection sshd children (dropped connections), leaving the listener. */
  dropConnections(): void;
  /** Stops (SIGSTOP) or resumes (SIGCONT) every process under the listener: hung connections. */
  freezeConnections(frozen: boolean): void;
  /** Starts it again on the same port after stop(). */
  start(): Promise<void>;
}
/**
 * Starts sshd in `dir` (made) for the alias `host`; `env` is set in every session (SetEnv), HOME
 * included. The client config and keys are shared by every server made in the same `dir`.
 */
export declare function startSshd(
  dir: string,
  host: string,
  env?: Record<string, string>,
): Promise<Sshd>;
