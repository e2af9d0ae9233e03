/** Exit codes every command shares; documented in the README. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** Finished, but some chunks or summaries failed after every attempt (listed in the output). */
  partial: 3,
  /** Another process holds the index lock and --wait-lock was not given. */
  locked: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error whose message is meant for the user as it is, with the exit code it calls for. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
