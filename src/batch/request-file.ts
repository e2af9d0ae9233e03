import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { skipJsonSpace } from './json-numbers.js';
import type { RequestLine } from './kinds.js';

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** How gbi writes every request line (requestLineJson, embedRequestLineJson): the key first. */
const KEY_FIRST = Buffer.from('{"key":"');
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

/**
 * Streams the keys of a request file. The key leads each line gbi writes, so it is read without
 * parsing the request: the texts would be turned into strings only to be dropped, which on a large
 * job is most of the heap's garbage. A line in any other shape is parsed whole.
 */
export async function* readRequestKeys(path: string): AsyncGenerator<string> {
  for await (const { line, bytes } of readLines(path)) {
    const key = leadingKey(bytes) ?? (parseJsonOrUndefined(bytes) as { key?: unknown } | undefined)?.key;
    if (typeof key !== 'string') throw new Error(`${path}:${line} is not a request line`);
    yield key;
  }
}

/** The key of a line that starts `{"key":"…"` with no escape in the key; otherwise undefined. */
function leadingKey(bytes: Buffer): string | undefined {
  if (bytes.length <= KEY_FIRST.length || bytes.compare(KEY_FIRST, 0, KEY_FIRST.length, 0, KEY_FIRST.length) !== 0) return undefined;
  for (let i = KEY_FIRST.length; i < bytes.length; i++) {
    if (bytes[i] === BACKSLASH) return undefined;
    if (bytes[i] === QUOTE) return bytes.toString('utf8', KEY_FIRST.length, i);
  }
  return undefined;
}

/** Only JSON whitespace (CR included, for CRLF files). */
function isBlank(bytes: Buffer): boolean {
  return skipJsonSpace(bytes, 0) === bytes.length;
}
