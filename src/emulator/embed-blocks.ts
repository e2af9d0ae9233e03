/**
 * Embed-job input prepared a block of lines at a time and free of side effects, so that a worker
 * thread can do it: each line parsed, its request read and embedded, its result line encoded.
 * The fault roll and the stats stay with the job (settleBatchEmbedding), in line order.
 */
import type { GoogleErrorObject } from './errors.js';
import { blockLines, isBlankLine, type LineBlock } from './input-lines.js';
import { JsonBytes } from './json-bytes.js';
import { itemErrorOf, parseInputLine, prepareEmbedding, writeResultLine } from './results.js';

/** One non-blank input line: an error, or the digest of its text and where its result line ends in `lines`. */
export type PreparedEmbedLine = { key?: string; error: GoogleErrorObject } | { key?: string; digest: string; lineEnd: number };

export interface PreparedEmbedBlock {
  items: PreparedEmbedLine[];
  /** The successful items' result lines, back to back, in an ArrayBuffer of their own (transferable). */
  lines: Uint8Array<ArrayBuffer>;
}

/** Result lines take about five times the bytes of their requests: room for six rarely needs to grow. */
const RESULT_BYTES_PER_INPUT_BYTE = 6;

export function prepareEmbedBlock({ bytes, firstLineNumber }: LineBlock): PreparedEmbedBlock {
  const items: PreparedEmbedLine[] = [];
  const lines = new JsonBytes(bytes.length * RESULT_BYTES_PER_INPUT_BYTE);
  blockLines(bytes).forEach((line, index) => {
    if (isBlankLine(line)) return;
    const { key, error, request } = parseInputLine(line, firstLineNumber + index);
    if (error) {
      items.push({ key, error });
      return;
    }
    try {
      const { digest, response } = prepareEmbedding(request);
      writeResultLine(lines, key, { response });
      items.push({ key, digest, lineEnd: lines.length });
    } catch (failure) {
      items.push({ key, error: itemErrorOf(failure) });
    }
  });
  return { items, lines: lines.bytes() };
}
