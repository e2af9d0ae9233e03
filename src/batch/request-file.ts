import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { skipJsonSpace } from './json-numbers.js';
import type { RequestLine } from './kinds.js';

const NEWLINE = 0x0a;
/** Large reads: result files run to gigabytes, and each read hands back many lines. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * Streams a file's lines as bytes, without the newline: views into the chunk just read, so a line
 * costs no string or copy (one joined copy when it spans two chunks). Blank lines are passed over;
 * `line` counts them all; `offset` is where the line starts in the file, in bytes. A file handle is
 * read from its start and left open.
 */
export async function* readLines(file: string | FileHandle): AsyncGenerator<{ line: number; offset: number; bytes: Buffer }> {
  const stream =
    typeof file === 'string'
      ? createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })
      : file.createReadStream({ start: 0, autoClose: false, highWaterMark: READ_CHUNK_BYTES });
  let line = 0;
  /** File offset of the chunk being split. */
  let chunkOffset = 0;
  let carry: Buffer | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    if (carry) {
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) {
        carry = Buffer.concat([carry, chunk]);
        chunkOffset += chunk.length;
        continue;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, end)]);
      carry = undefined;
      line++;
      if (!isBlank(joined)) yield { line, offset: chunkOffset - (joined.length - end), bytes: joined };
      start = end + 1;
    }
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      const bytes = chunk.subarray(start, end);
      line++;
      if (!isBlank(bytes)) yield { line, offset: chunkOffset + start, bytes };
      start = end + 1;
    }
    if (start < chunk.length) carry = chunk.subarray(start);
    chunkOffset += chunk.length;
  }
  if (carry && !isBlank(carry)) yield { line: line + 1, offset: chunkOffset - carry.length, bytes: carry };
}

/** Streams a JSONL file one parsed line at a time (undefined for a line that is not JSON). */
export async function* readJsonLines(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  for await (const { line, bytes } of readLines(path)) yield { line, value: parseJsonOrUndefined(bytes) };
}

export function parseJsonOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function* readRequestLines(path: string): AsyncGenerator<RequestLine> {
  for await (const { line, value } of readJsonLines(path)) {
    if (!value || typeof value !== 'object') throw new Error(`${path}:${line} is not a request line`);
    yield value as RequestLine;
  }
}

/** Only JSON whitespace (CR included, for CRLF files). */
function isBlank(bytes: Buffer): boolean {
  return skipJsonSpace(bytes, 0) === bytes.length;
}
