import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readLines } from '../batch/request-file.js';
import { writeAll, writeFileAtomic } from '../fs/atomic.js';
import type { ChunkRow } from './schema.js';

/** A chunk row still waiting for its vector from a batch job. */
export type PendingChunk = Omit<ChunkRow, 'vector'>;

/** The pending file does not hold what its index says: changed behind the session's back, or not ours. */
export class PendingFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PendingFileError';
  }
}

const NEWLINE = 0x0a;
/** Rows are read and written this much at a time: rows are small, the file can be large. */
const BLOCK_BYTES = 4 << 20;
/** A take reads rows this close together in one read, the bytes between with them. */
const TAKE_GAP_BYTES = 64 << 10;

/**
 * One pending row: its line in the pending file (byte offset and length), or the row itself while
 * it was added since the last save. id and path are kept for add's replacement and dropPaths.
 */
interface Entry {
  id: string;
  path: string;
  offset: number;
  length: number;
  row: PendingChunk | undefined;
}

/**
 * Chunk rows planned but not yet stored, by embedding key. Kept on disk beside the ledger so that a
 * later run (or `gbi collect`) can attach the vectors a job brings back. Rows already in the file
 * stay there: only where they are is held in memory (tens of thousands of rows of chunk text would
 * take hundreds of MB), and a row is read back when it is taken. The file is only ever replaced
 * whole (temp, fsync, rename), so the handle read from always sees a complete file.
 */
export class PendingChunks {
  private readonly byKey = new Map<string, Entry[]>();
  /** Open on the file the entries' offsets point into; undefined when no entry is on disk. */
  private file: FileHandle | undefined;

  private constructor(private readonly path: string) {}

  static async open(stateDir: string): Promise<PendingChunks> {
    const pending = new PendingChunks(join(stateDir, 'pending.jsonl'));
    let file: FileHandle;
    try {
      file = await open(pending.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return pending;
      throw error;
    }
    try {
      // Added without the replacement check: the file was written from this map, so its ids are unique.
      for await (const { offset, bytes } of readLines(file)) {
        const row = parseRow(bytes, pending.path, offset);
        pending.insert(row.key, { id: row.id, path: row.path, offset, length: bytes.length, row: undefined });
      }
    } catch (error) {
      await file.close();
      throw error;
    }
    if (pending.byKey.size > 0) pending.file = file;
    else await file.close();
    return pending;
  }

  get size(): number {
    let count = 0;
    for (const entries of this.byKey.values()) count += entries.length;
    return count;
  }

  keys(): Set<string> {
    return new Set(this.byKey.keys());
  }

  /** Adds rows, replacing any pending row with the same id (a newer version of that chunk). */
  add(rows: readonly PendingChunk[]): void {
    const ids = new Set(rows.map((row) => row.id));
    if (this.byKey.size > 0) this.removeWhere((entry) => ids.has(entry.id));
    for (const row of rows) this.insert(row.key, { id: row.id, path: row.path, offset: 0, length: 0, row });
  }

  private insert(key: string, entry: Entry): void {
    const entries = this.byKey.get(key);
    if (entries) entries.push(entry);
    else this.byKey.set(key, [entry]);
  }

  /**
   * Takes every pending row waiting for each of `keys`, by key (a key with none is left out). Rows
   * on disk are read in file order, nearby ones in one read: a batch's rows were mostly written
   * together.
   */
  take(keys: Iterable<string>): Map<string, PendingChunk[]> {
    const wanted = new Map<string, Entry[]>();
    for (const key of keys) {
      const entries = this.byKey.get(key);
      if (entries) wanted.set(key, entries);
    }
    const onDisk = [...wanted.values()].flat().filter((entry) => !entry.row);
    onDisk.sort(byOffset);
    const read = new Map<Entry, PendingChunk>();
    for (let first = 0; first < onDisk.length; ) {
      const last = blockEnd(onDisk, first, TAKE_GAP_BYTES);
      const start = onDisk[first]!.offset;
      const block = Buffer.allocUnsafe(onDisk[last]!.offset + onDisk[last]!.length - start);
      if (readSync(this.openFile().fd, block, 0, block.length, start) !== block.length) throw this.changedError(start);
      for (let i = first; i <= last; i++) {
        const entry = onDisk[i]!;
        const row = parseRow(block.subarray(entry.offset - start, entry.offset - start + entry.length), this.path, entry.offset);
        if (row.id !== entry.id) throw this.changedError(entry.offset);
        read.set(entry, row);
      }
      first = last + 1;
    }
    // Forgotten only once all are read: a failed read leaves the rows pending.
    const taken = new Map<string, PendingChunk[]>();
    for (const [key, entries] of wanted) {
      taken.set(key, entries.map((entry) => entry.row ?? read.get(entry)!));
      this.byKey.delete(key);
    }
    return taken;
  }

  /** Forgets rows of these paths (deleted files, or replaced by a newer version). */
  dropPaths(paths: ReadonlySet<string>): void {
    if (paths.size > 0) this.removeWhere((entry) => paths.has(entry.path));
  }

  dropAll(): void {
    this.byKey.clear();
  }

  /**
   * Rewrites the file with the rows pending now: those on disk copied from the old file in large
   * sequential blocks, those added since written out and dropped from memory. Until the rename the
   * old file is whole and the entries point into it; after it they point into the new one.
   */
  async save(): Promise<void> {
    const onDisk: Entry[] = [];
    const inMemory: Entry[] = [];
    for (const entries of this.byKey.values()) for (const entry of entries) (entry.row ? inMemory : onDisk).push(entry);
    // File order, so the old file is read front to back.
    onDisk.sort(byOffset);
    const written = [...onDisk, ...inMemory];
    /** Where each of `written` lands in the new file: offset and length in turn. */
    const placed: number[] = [];
    await writeFileAtomic(this.path, async (out) => {
      const writer = new LineWriter(out);
      if (onDisk.length > 0) await this.copyLines(onDisk, writer, placed);
      for (const entry of inMemory) {
        const line = Buffer.from(JSON.stringify(entry.row));
        placed.push(await writer.line(line), line.length);
      }
      await writer.flush();
    });
    const next = written.length > 0 ? await open(this.path, 'r') : undefined;
    // In one synchronous step, so a take never reads a new offset from the old file or the reverse.
    const previous = this.file;
    this.file = next;
    written.forEach((entry, i) => {
      entry.offset = placed[2 * i]!;
      entry.length = placed[2 * i + 1]!;
      entry.row = undefined;
    });
    await previous?.close();
  }

  /** Closes the file rows are read from; the rows on disk can no longer be taken. */
  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.close();
  }

  /** Copies the lines of `entries` (sorted by offset) from the current file to `writer`, noting where each lands. */
  private async copyLines(entries: readonly Entry[], writer: LineWriter, placed: number[]): Promise<void> {
    const file = this.openFile();
    let block = Buffer.allocUnsafe(BLOCK_BYTES);
    for (let first = 0; first < entries.length; ) {
      // Gaps are read through: the whole file is read once at most.
      const last = blockEnd(entries, first, Infinity);
      const start = entries[first]!.offset;
      const end = entries[last]!.offset + entries[last]!.length;
      if (end - start > block.length) block = Buffer.allocUnsafe(end - start);
      const { bytesRead } = await file.read(block, 0, end - start, start);
      if (bytesRead !== end - start) throw this.changedError(start);
      for (let i = first; i <= last; i++) {
        const entry = entries[i]!;
        placed.push(await writer.line(block.subarray(entry.offset - start, entry.offset - start + entry.length)), entry.length);
      }
      first = last + 1;
    }
  }

  private openFile(): FileHandle {
    if (!this.file) throw new PendingFileError(`${this.path} is closed: its pending rows can no longer be read`);
    return this.file;
  }

  private changedError(offset: number): PendingFileError {
    return new PendingFileError(`${this.path} changed while open: no pending row at byte ${offset} as recorded`);
  }

  private removeWhere(predicate: (entry: Entry) => boolean): void {
    for (const [key, entries] of this.byKey) {
      const kept = entries.filter((entry) => !predicate(entry));
      if (kept.length === 0) this.byKey.delete(key);
      else if (kept.length !== entries.length) this.byKey.set(key, kept);
    }
  }
}

function byOffset(a: Entry, b: Entry): number {
  return a.offset - b.offset;
}

/**
 * The last of `entries` (sorted by offset) read in one block with entries[first]: the block stays
 * within BLOCK_BYTES (but holds one entry, however long) and skips no gap over `maxGap` bytes.
 */
function blockEnd(entries: readonly Entry[], first: number, maxGap: number): number {
  const start = entries[first]!.offset;
  let last = first;
  for (let next = entries[first + 1]; next; next = entries[last + 1]) {
    const end = entries[last]!.offset + entries[last]!.length;
    if (next.offset - end > maxGap || next.offset + next.length - start > BLOCK_BYTES) break;
    last++;
  }
  return last;
}

function parseRow(bytes: Buffer, path: string, offset: number): PendingChunk {
  let row: unknown;
  try {
    row = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new PendingFileError(`${path}: the line at byte ${offset} is not JSON`, { cause: error });
  }
  const { id, key, path: rowPath } = (row ?? {}) as Partial<PendingChunk>;
  if (typeof id !== 'string' || typeof key !== 'string' || typeof rowPath !== 'string') {
    throw new PendingFileError(`${path}: the line at byte ${offset} is not a pending chunk row`);
  }
  return row as PendingChunk;
}

/** Writes lines through a buffer of BLOCK_BYTES and tells where each one starts. */
class LineWriter {
  private readonly buffer = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private position = 0;

  constructor(private readonly out: FileHandle) {}

  /** Appends `bytes` and a newline; returns the offset of the line in the file. */
  async line(bytes: Uint8Array): Promise<number> {
    const offset = this.position;
    if (this.used + bytes.length + 1 > this.buffer.length) await this.flush();
    if (bytes.length + 1 > this.buffer.length) {
      await writeAll(this.out, bytes);
      this.buffer[this.used++] = NEWLINE;
    } else {
      this.buffer.set(bytes, this.used);
      this.buffer[this.used + bytes.length] = NEWLINE;
      this.used += bytes.length + 1;
    }
    this.position += bytes.length + 1;
    return offset;
  }

  async flush(): Promise<void> {
    await writeAll(this.out, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}
