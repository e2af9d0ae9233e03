/** List paging with opaque page tokens (an offset, base64url-encoded). */
import { invalidArgument } from './errors.js';

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface PageLimits {
  defaultSize: number;
  maxSize: number;
}

export function paginate<T>(all: T[], query: URLSearchParams, limits: PageLimits): Page<T> {
  const size = pageSizeFrom(query.get('pageSize'), limits);
  const offset = offsetFrom(query.get('pageToken'));
  const items = all.slice(offset, offset + size);
  const next = offset + items.length;
  // The last page carries no token: the SDK's Pager keeps paging while any token is present.
  return next < all.length ? { items, nextPageToken: Buffer.from(String(next)).toString('base64url') } : { items };
}

function pageSizeFrom(raw: string | null, { defaultSize, maxSize }: PageLimits): number {
  if (raw === null || raw === '' || raw === '0') return defaultSize;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 0) throw invalidArgument(`pageSize must be a non-negative integer, got "${raw}".`);
  return Math.min(size, maxSize);
}

function offsetFrom(token: string | null): number {
  if (token === null || token === '') return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument(`Invalid pageToken "${token}".`);
  return offset;
}
