// One file → a decoded document, or the reason it is skipped. Never throws for a bad file.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { sha256Hex } from '../hash/sha256.js';
import { decodeText } from './decode.js';
import { errorCode } from './errors.js';
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

const skippedFile = (entry: FileEntry, reason: string): ReadResult => ({ kind: 'skipped', skipped: { path: entry.path, reason } });

/** Files named like a binary format are judged on their first bytes before being read whole. */
function namedBinary(entry: FileEntry): boolean {
  return BINARY_EXTENSIONS.has(extname(entry.path).slice(1).toLowerCase());
}

/** Why a file whose first bytes these are is skipped, if it is. */
function binaryHead(head: Uint8Array): string | undefined {
  const sniffed = decodeText(head);
  return sniffed.kind === 'binary' ? sniffed.reason : undefined;
}

/**
 * What the bytes of a file make: a document, or the reason it is skipped. The mtime comes from the
 * open file and the size from the bytes read, so both describe what is hashed.
 */
function documentOf(entry: FileEntry, bytes: Buffer, mtimeMs: number): ReadResult {
  if (bytes.length === 0) return skippedFile(entry, 'empty file');
  const decoded = decodeText(bytes);
  if (decoded.kind === 'binary') return skippedFile(entry, decoded.reason);
  if (decoded.text.trim() === '') return skippedFile(entry, 'blank file (whitespace only)');
  return {
    kind: 'document',
    document: {
      path: entry.path,
      absPath: entry.absPath,
      size: bytes.length,
      mtimeMs,
      sha256: sha256Hex(bytes),
      encoding: decoded.encoding,
      text: decoded.text,
    },
  };
}

export async function readDocument(entry: FileEntry): Promise<ReadResult> {
  let bytes: Buffer;
  let mtimeMs: number;
  try {
    const handle = await open(entry.absPath, 'r');
    try {
      if (namedBinary(entry)) {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
        const reason = binaryHead(buffer.subarray(0, bytesRead));
        if (reason) return skippedFile(entry, reason);
      }
      ({ mtimeMs } = await handle.stat());
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    return skippedFile(entry, `unreadable: ${errorCode(error)}`);
  }
  return documentOf(entry, bytes, mtimeMs);
}

/**
 * readDocument with blocking calls, for a worker thread that has nothing else to do meanwhile: one
 * system call each, where every asynchronous call also crosses to the I/O pool and back (about
 * three times as long in all for many small files).
 */
export function readDocumentSync(entry: FileEntry): ReadResult {
  let bytes: Buffer;
  let mtimeMs: number;
  try {
    const fd = openSync(entry.absPath, 'r');
    try {
      if (namedBinary(entry)) {
        const head = Buffer.alloc(SNIFF_BYTES);
        const reason = binaryHead(head.subarray(0, readSync(fd, head, 0, SNIFF_BYTES, 0)));
        if (reason) return skippedFile(entry, reason);
      }
      mtimeMs = fstatSync(fd).mtimeMs;
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return skippedFile(entry, `unreadable: ${errorCode(error)}`);
  }
  return documentOf(entry, bytes, mtimeMs);
}

/** Files read ahead of the one being used: their I/O overlaps the caller's work on earlier ones. */
const READ_AHEAD = 8;

/** readDocument over many entries, in their order, with a few reads in flight at once. */
export async function* readDocuments(entries: Iterable<FileEntry>): AsyncGenerator<ReadResult> {
  const inFlight: Promise<ReadResult>[] = [];
  for (const entry of entries) {
    inFlight.push(readDocument(entry));
    if (inFlight.length > READ_AHEAD) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}
