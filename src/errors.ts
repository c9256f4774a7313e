/**
 * An error that the CLI turns into a one-line message and an exit code, never a stack trace.
 * Lower layers throw it (or return result objects); only src/cli calls process.exit.
 */
export class CcglmError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CcglmError';
    this.exitCode = exitCode;
  }
}

/** Documented exit codes shared by every command. Command-specific codes live beside the command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /**
   * A check before anything starts failed (`ccglm run`: lock, repositories, git identity, folders,
   * agent, credentials); nothing was changed. 78 is sysexits' EX_CONFIG, as 70 is its EX_SOFTWARE.
   */
  preflight: 78,
} as const;
