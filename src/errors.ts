/** A problem with what the user asked for (no index there, nothing to do): exit code 2 in the CLI. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
