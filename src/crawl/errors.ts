/** The errno code of a failed fs call ('EACCES', 'ENOENT', …), for skip reasons. */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}
