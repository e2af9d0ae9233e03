import { readFile } from 'node:fs/promises';
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
    let text = '';
    try {
      text = await readFile(pending.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) if (line.trim()) pending.add([JSON.parse(line) as PendingChunk]);
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
    for (const row of rows) {
      const list = this.byKey.get(row.key);
      if (list) list.push(row);
      else this.byKey.set(row.key, [row]);
    }
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
