import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';

/** An index URI LanceDB opens remotely (s3://, gs://, db://…) rather than a local folder. */
export function isRemoteUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://');
}

/** The local folder of a local index, resolved. */
export function localIndexPath(uri: string): string | undefined {
  if (isRemoteUri(uri)) return undefined;
  const path = uri.startsWith('file://') ? new URL(uri).pathname : uri;
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Where the ledger, lock and work files of an index live: inside a local index folder, or, for a
 * remote index, in a folder of the working directory named after the URI.
 */
export function stateDirOf(uri: string): string {
  const local = localIndexPath(uri);
  if (local) return join(local, '.gbi');
  const slug = createHash('sha256').update(uri).digest('hex').slice(0, 16);
  return resolve('.gbi-state', slug);
}
