/**
 * Named points where a build can be made to die, for the crash tests and the soak: with
 * GBI_FAILPOINT=<name> the process SIGKILLs itself there, as an abrupt power cut would stop it.
 */
export type FailpointName =
  | 'request-file-written'
  | 'uploaded'
  | 'job-created-unrecorded'
  | 'job-created'
  | 'polling'
  | 'loading'
  | 'loaded'
  | 'rows-deleted';

export function failpoint(name: FailpointName): void {
  if (process.env.GBI_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}
