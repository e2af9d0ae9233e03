/**
 * Reading a batch input file: its request count, and its lines in blocks of whole lines that can
 * be handed to a worker. Lines end at `\n`, `\r\n` or a lone `\r`, as node:readline splits them.
 */
import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const LINE_BREAK = /\r\n|\n|\r/;
const BLANK_LINE = /^[ \t\r]*$/;

/** Whole lines of an input file, and the number of the first of them (1-based). */
export interface LineBlock {
  bytes: Uint8Array<ArrayBuffer>;
  firstLineNumber: number;
}

/** Whether `bytes[start, end)` holds anything but spaces, tabs and carriage returns. */
function hasContent(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== CARRIAGE_RETURN) return true;
  }
  return false;
}

/** Counts the non-blank `\n`-separated lines of a JSONL file without holding it in memory. */
export async function countRequestLines(path: string): Promise<number> {
  let count = 0;
  let lineHasContent = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      lineHasContent ||= hasContent(chunk, start, end);
      if (newline < 0) break;
      if (lineHasContent) count++;
      lineHasContent = false;
      start = newline + 1;
    }
  }
  return lineHasContent ? count + 1 : count;
}

/** Line breaks in `bytes`, which ends with `\n` (so no `\r\n` is cut in two). */
function countLineBreaks(bytes: Uint8Array): number {
  let breaks = 0;
  for (let at = bytes.indexOf(NEWLINE); at >= 0; at = bytes.indexOf(NEWLINE, at + 1)) breaks++;
  for (let at = bytes.indexOf(CARRIAGE_RETURN); at >= 0; at = bytes.indexOf(CARRIAGE_RETURN, at + 1)) {
    if (bytes[at + 1] !== NEWLINE) breaks++;
  }
  return breaks;
}

/**
 * The file in blocks of whole lines of about `blockBytes` (a longer line makes a longer block).
 * Each block has an ArrayBuffer of its own, so it can be transferred to a worker.
 */
export async function* readLineBlocks(path: string, blockBytes: number): AsyncGenerator<LineBlock> {
  let carried: Uint8Array = new Uint8Array(0);
  let firstLineNumber = 1;
  for await (const chunk of createReadStream(path, { highWaterMark: blockBytes }) as AsyncIterable<Buffer>) {
    const cut = chunk.lastIndexOf(NEWLINE) + 1;
    if (cut === 0) {
      carried = concatenated(carried, chunk);
      continue;
    }
    const bytes = concatenated(carried, chunk.subarray(0, cut));
    carried = chunk.subarray(cut);
    const block = { bytes, firstLineNumber };
    // Counted before the block is handed over: a worker takes its bytes away.
    firstLineNumber += countLineBreaks(bytes);
    yield block;
  }
  if (carried.length > 0) yield { bytes: new Uint8Array(carried), firstLineNumber };
}

function concatenated(head: Uint8Array, tail: Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(head.length + tail.length);
  bytes.set(head);
  bytes.set(tail, head.length);
  return bytes;
}

/** The lines of a block, as readline emits them (no empty line after a final line break). */
export function blockLines(bytes: Uint8Array): string[] {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8').split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function isBlankLine(line: string): boolean {
  return BLANK_LINE.test(line);
}
