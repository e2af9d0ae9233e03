import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import type { ChunkRow } from './schema.js';

/** A chunk row still waiting for its vector from a batch job. */
export type PendingChunk = Omit<ChunkRow, 'vector'>;

/**
 * Chunk rows planned but not yet stored, by embedding key. Kept on disk beside the ledger so that a
 * later run (or `gbi collect`) can attach the vectors a job brings back.
 */
export class PendingChunks {
  private readonly byKey = new Map<string, PendingChunk[]>();

  private constructor(private readonly path: string) {}

  static async open(stateDir: string): Promise<PendingChunks> {
    const pending = new PendingChunks(join(stateDir, 'pending.jsonl'));
    // Streamed, and added without the replacement check: the file was written from this map, so its ids are unique.
    try {
      const lines = createInterface({ input: createReadStream(pending.path), crlfDelay: Infinity });
      for await (const line of lines) if (line.trim()) pending.insert(JSON.parse(line) as PendingChunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return pending;
  }

  get size(): number {
    let count = 0;
    for (const rows of this.byKey.values()) count += rows.length;
    return count;
  }

  keys(): Set<string> {
    return new Set(this.byKey.keys());
  }

  /** Adds rows, replacing any pending row with the same id (a newer version of that chunk). */
  add(rows: readonly PendingChunk[]): void {
    const ids = new Set(rows.map((row) => row.id));
    if (this.byKey.size > 0) this.removeWhere((row) => ids.has(row.id));
    for (const row of rows) this.insert(row);
  }

  private insert(row: PendingChunk): void {
    const list = this.byKey.get(row.key);
    if (list) list.push(row);
    else this.byKey.set(row.key, [row]);
  }

  /** Takes every pending row waiting for `key`. */
  take(key: string): PendingChunk[] {
    const rows = this.byKey.get(key) ?? [];
    this.byKey.delete(key);
    return rows;
  }

  /** Forgets rows of these paths (deleted files, or replaced by a newer version). */
  dropPaths(paths: ReadonlySet<string>): void {
    if (paths.size > 0) this.removeWhere((row) => paths.has(row.path));
  }

  dropAll(): void {
    this.byKey.clear();
  }

  async save(): Promise<void> {
    const lines: string[] = [];
    for (const rows of this.byKey.values()) for (const row of rows) lines.push(JSON.stringify(row));
    await writeFileAtomic(this.path, lines.length ? `${lines.join('\n')}\n` : '');
  }

  private removeWhere(predicate: (row: PendingChunk) => boolean): void {
    for (const [key, rows] of this.byKey) {
      const kept = rows.filter((row) => !predicate(row));
      if (kept.length === 0) this.byKey.delete(key);
      else if (kept.length !== rows.length) this.byKey.set(key, kept);
    }
  }
}
