import type { RequestLine } from './kinds.js';

/** The text of a request line in a request file. */
export function requestLineJson(line: RequestLine): string {
  return JSON.stringify({ key: line.key, request: line.request });
}
