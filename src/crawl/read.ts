// One file → a decoded document, or the reason it is skipped. Never throws for a bad file.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { decodeText } from './decode.js';
import { errorCode } from './errors.js';
import { readOnReaderThread } from './reader-thread.js';
import type { FileEntry, ReadResult } from './types.js';

/**
 * Extensions that are almost always binary. Such a file is judged on its first bytes so a large
 * archive or image is not read whole; the content still decides, so text saved under one of
 * these names (a plain-text `.pyc`, a "corrupted" `.docx` holding text) is indexed.
 */
const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif bmp ico webp tif tiff psd heic avif ' +
    'pdf doc docx xls xlsx ppt pptx odt ods odp epub ' +
    'zip gz tgz bz2 xz 7z rar zst tar jar war whl ' +
    'parquet sqlite sqlite3 db npy npz pkl h5 onnx pt safetensors bin ' +
    'so dll exe dylib o a class pyc pyo wasm ' +
    'woff woff2 ttf otf eot mp3 mp4 m4a wav ogg flac avi mov mkv webm dmg iso'
  ).split(' '),
);
const SNIFF_BYTES = 8 * 1024;

export async function readDocument(entry: FileEntry): Promise<ReadResult> {
  const skipped = (reason: string): ReadResult => ({ kind: 'skipped', skipped: { path: entry.path, reason } });

  let bytes: Buffer;
  let mtimeMs: number;
  try {
    const handle = await open(entry.absPath, 'r');
    try {
      if (BINARY_EXTENSIONS.has(extname(entry.path).slice(1).toLowerCase())) {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
        const sniffed = decodeText(buffer.subarray(0, bytesRead));
        if (sniffed.kind === 'binary') return skipped(sniffed.reason);
      }
      // mtime from the open handle and size from the bytes read: both describe what we hash.
      ({ mtimeMs } = await handle.stat());
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    return skipped(`unreadable: ${errorCode(error)}`);
  }

  if (bytes.length === 0) return skipped('empty file');
  const decoded = decodeText(bytes);
  if (decoded.kind === 'binary') return skipped(decoded.reason);
  if (decoded.text.trim() === '') return skipped('blank file (whitespace only)');
  return {
    kind: 'document',
    document: {
      path: entry.path,
      absPath: entry.absPath,
      size: bytes.length,
      mtimeMs,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: decoded.encoding,
      text: decoded.text,
    },
  };
}

/** Files read ahead of the one being used: their I/O overlaps the caller's work on earlier ones. */
const READ_AHEAD = 8;

/** readDocument over many entries, in their order, with a few reads in flight at once. */
export async function* readAhead(entries: Iterable<FileEntry>): AsyncGenerator<ReadResult> {
  const inFlight: Promise<ReadResult>[] = [];
  for (const entry of entries) {
    inFlight.push(readDocument(entry));
    if (inFlight.length > READ_AHEAD) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}

/**
 * Below this many bytes in all, reading on the caller's thread costs less than handing documents
 * over from another (and than starting that thread, ~50 ms).
 */
const READER_THREAD_MIN_BYTES = 4 << 20;

export interface ReadOptions {
  /**
   * Read, decode and hash on a second thread, so that a caller busy with each document (chunking)
   * does not also wait for the next one. Default: when the machine has a second core and the files
   * add up to at least 4 MiB.
   */
  readerThread?: boolean;
}

/** readDocument over many entries, in their order, read ahead of the caller. */
export function readDocuments(entries: readonly FileEntry[], options: ReadOptions = {}): AsyncGenerator<ReadResult> {
  const onReaderThread =
    options.readerThread ?? (availableParallelism() > 1 && entries.reduce((sum, entry) => sum + entry.size, 0) >= READER_THREAD_MIN_BYTES);
  return onReaderThread ? readOnReaderThread(entries) : readAhead(entries);
}
