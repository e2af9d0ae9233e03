import * as lancedb from '@lancedb/lancedb';
import type { Connection, Table } from '@lancedb/lancedb';
import {
  CHUNKS_TABLE,
  DOCUMENTS_TABLE,
  META_TABLE,
  VECTORS_TABLE,
  chunksSchema,
  documentsSchema,
  metaSchema,
  vectorsSchema,
  type ChunkRow,
  type DocumentRow,
} from './schema.js';
import { FNV_OFFSET_BASIS, fnvString } from '../hash/fnv.js';
import { toArrowTable } from './arrow-rows.js';
import { sqlIn } from './sql.js';

/** What an index was built with; search refuses queries that do not match. */
export interface IndexMeta {
  model: string;
  dims: number;
  fingerprint: string;
  /** 'gemini' or the local emulator's embedder id: their vectors must never be mixed. */
  embedder: string;
  lastBuild?: string;
  /**
   * Table versions at which every catalogued document had all its chunk rows. A rebuild that finds the
   * tables still at these versions need not count rows per document to find incomplete ones.
   */
  complete?: TableVersions;
}

/** Versions of the chunk and document tables: the same versions, the same rows. */
export interface TableVersions {
  chunks: number;
  documents: number;
}

export function sameVersions(a: TableVersions | undefined, b: TableVersions | undefined): boolean {
  return a !== undefined && b !== undefined && a.chunks === b.chunks && a.documents === b.documents;
}

export class IndexMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexMismatchError';
  }
}

/** The chunk number of a document's summary row: its vector ranks whole documents (`search --docs`). */
export const SUMMARY_CHUNK = -1;

/** Rows above which a vector index beats brute force (lancedb-notes.md). */
export const VECTOR_INDEX_MIN_ROWS = 10_000;
/**
 * HNSW rather than IVF: gbi's offline vectors are hashed words, nearly orthogonal, so IVF partitions
 * barely cluster them (IVF_PQ at 100k rows: recall@10 0.61 at 32 of 316 partitions probed; HNSW_SQ
 * 0.97 at 4.5 ms). It is also quicker to build at 16.7k rows (1.6 s against 9.1 s).
 */
const VECTOR_INDEX_TYPE = 'IvfHnswSq';
/**
 * Rows written after the vector index was built are searched exactly beside it. Folding them in
 * relinks the whole graph (3 s for 1k new rows at 16.7k, 13.8 s at 100k), so a build does it only once
 * they reach this share of the table, or the table has this many fragments; `gbi optimize` always does.
 */
const FOLD_IN_SHARE = 0.05;
const FOLD_IN_FRAGMENTS = 64;
// Without this, every indexStats() on a vector index prints a deprecation warning; gbi reads no centroids.
process.env.LANCE_INCLUDE_VECTOR_CENTROIDS ??= 'false';
const WRITE_BATCH_ROWS = 4_000;
const LOOKUP_BATCH = 400;

/**
 * The LanceDB side of an index: chunk rows, the document catalog and the index's own metadata.
 * One instance per process; the build lock keeps other writers out.
 */
export class IndexStore {
  /** See chunkIdsMaybeStored. */
  private chunkIdHashes: { table: Table; hashes: Set<number> } | undefined;

  private constructor(
    readonly uri: string,
    private readonly connection: Connection,
    private chunksTable: Table | undefined,
    private documentsTable: Table | undefined,
    private vectorsTable: Table | undefined,
  ) {}

  static async open(uri: string): Promise<IndexStore> {
    const connection = await lancedb.connect(uri);
    const names = new Set(await connection.tableNames());
    const chunks = names.has(CHUNKS_TABLE) ? await connection.openTable(CHUNKS_TABLE) : undefined;
    const documents = names.has(DOCUMENTS_TABLE) ? await connection.openTable(DOCUMENTS_TABLE) : undefined;
    const vectors = names.has(VECTORS_TABLE) ? await connection.openTable(VECTORS_TABLE) : undefined;
    return new IndexStore(uri, connection, chunks, documents, vectors);
  }

  async readMeta(): Promise<IndexMeta | undefined> {
    if (!(await this.connection.tableNames()).includes(META_TABLE)) return undefined;
    const table = await this.connection.openTable(META_TABLE);
    const rows = await table.query().where(`name = 'index'`).toArray();
    return rows.length ? (JSON.parse(String(rows[0].value)) as IndexMeta) : undefined;
  }

  async writeMeta(meta: IndexMeta): Promise<void> {
    const table = await this.connection.createEmptyTable(META_TABLE, metaSchema(), { existOk: true });
    await table
      .mergeInsert('name')
      .whenMatchedUpdateAll()
      .whenNotMatchedInsertAll()
      .execute([{ name: 'index', value: JSON.stringify(meta) }]);
  }

  /** Creates the tables for `dims`, or checks that existing ones were made for the same dims. */
  async prepare(dims: number): Promise<void> {
    if (this.chunksTable) {
      const existing = vectorDims(await this.chunksTable.schema());
      if (existing !== dims) {
        throw new IndexMismatchError(
          `the index at ${this.uri} holds ${existing}-dimension vectors, not ${dims}; ` +
            `rebuild into a new --index, or pass --dims ${existing}`,
        );
      }
    } else {
      this.chunksTable = await this.connection.createEmptyTable(CHUNKS_TABLE, chunksSchema(dims), { existOk: true });
    }
    this.documentsTable ??= await this.connection.createEmptyTable(DOCUMENTS_TABLE, documentsSchema(), {
      existOk: true,
    });
    this.vectorsTable ??= await this.connection.createEmptyTable(VECTORS_TABLE, vectorsSchema(dims), { existOk: true });
  }

  /** Drops every chunk and document: used when the fingerprint changes, on purpose. */
  async reset(dims: number): Promise<void> {
    this.chunksTable = await this.connection.createEmptyTable(CHUNKS_TABLE, chunksSchema(dims), { mode: 'overwrite' });
    this.documentsTable = await this.connection.createEmptyTable(DOCUMENTS_TABLE, documentsSchema(), {
      mode: 'overwrite',
    });
    this.vectorsTable = await this.connection.createEmptyTable(VECTORS_TABLE, vectorsSchema(dims), { mode: 'overwrite' });
  }

  get chunks(): Table {
    if (!this.chunksTable) throw new Error(`the index at ${this.uri} has no chunks table yet; run gbi build first`);
    return this.chunksTable;
  }

  get documents(): Table {
    if (!this.documentsTable) throw new Error(`the index at ${this.uri} has no documents table yet; run gbi build first`);
    return this.documentsTable;
  }

  get exists(): boolean {
    return this.chunksTable !== undefined;
  }

  async catalog(): Promise<Map<string, DocumentRow>> {
    const catalog = new Map<string, DocumentRow>();
    if (!this.documentsTable) return catalog;
    // Column by column: every rebuild reads the whole catalog, and row objects take twice as long.
    for await (const batch of this.documentsTable.query()) {
      const columns = documentsSchema().fields.map((field) => [field.name, batch.getChild(field.name)!.toArray()] as const);
      for (let i = 0; i < batch.numRows; i++) {
        const doc = Object.fromEntries(columns.map(([name, values]) => [name, values[i]])) as unknown as DocumentRow;
        catalog.set(doc.path, doc);
      }
    }
    return catalog;
  }

  /** Vectors already paid for, for those of `keys` that have one: kept vectors first, then chunk rows. */
  async vectorsFor(keys: Iterable<string>): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    for (const table of [this.vectorsTable, this.chunksTable]) {
      const missing = [...new Set(keys)].filter((key) => !found.has(key));
      if (!table || missing.length === 0) continue;
      for (let start = 0; start < missing.length; start += LOOKUP_BATCH) {
        const slice = missing.slice(start, start + LOOKUP_BATCH);
        const rows = await table.query().where(sqlIn('key', slice)).select(['key', 'vector']).toArray();
        for (const row of rows) found.set(String(row.key), Float32Array.from(row.vector as Iterable<number>));
      }
    }
    return found;
  }

  /**
   * Keeps vectors by key before any chunk row holds them, so that no crash, rewrite or deletion of
   * rows loses one: a key comes back (a restored paragraph, a renamed file) and is not paid again.
   * Appended, not merged: a key stored twice after a crash is harmless, and `prune` drops copies.
   */
  async rememberVectors(entries: readonly { key: string; vector: Float32Array }[]): Promise<void> {
    const table = this.vectorsTable;
    if (!table) throw new Error(`the index at ${this.uri} has no vectors table; run gbi build first`);
    if (entries.length === 0) return;
    const schema = vectorsSchema(entries[0].vector.length);
    for (let start = 0; start < entries.length; start += WRITE_BATCH_ROWS) {
      await table.add(toArrowTable(schema, entries.slice(start, start + WRITE_BATCH_ROWS) as unknown as Record<string, unknown>[]));
    }
  }

  /** Drops vectors no chunk row uses any more: `gbi optimize` reclaims what old versions left. */
  async pruneVectors(): Promise<number> {
    if (!this.vectorsTable || !this.chunksTable) return 0;
    const used = new Set<string>();
    for await (const batch of this.chunksTable.query().select(['key'])) {
      for (const key of batch.getChild('key')?.toArray() ?? []) used.add(String(key));
    }
    const unused = new Set<string>();
    for await (const batch of this.vectorsTable.query().select(['key'])) {
      for (const key of batch.getChild('key')?.toArray() ?? []) if (!used.has(String(key))) unused.add(String(key));
    }
    const keys = [...unused];
    for (let start = 0; start < keys.length; start += LOOKUP_BATCH) {
      await this.vectorsTable.delete(sqlIn('key', keys.slice(start, start + LOOKUP_BATCH)));
    }
    return keys.length;
  }

  /** Chunk counts per path as stored, to tell complete documents from ones still waiting for vectors. */
  async tableVersions(): Promise<TableVersions | undefined> {
    if (!this.chunksTable || !this.documentsTable) return undefined;
    return { chunks: await this.chunksTable.version(), documents: await this.documentsTable.version() };
  }

  async storedChunkCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (!this.chunksTable) return counts;
    for await (const batch of this.chunksTable.query().where(`chunk >= 0`).select(['path'])) {
      for (const value of batch.getChild('path')?.toArray() ?? []) {
        const path = String(value);
        counts.set(path, (counts.get(path) ?? 0) + 1);
      }
    }
    return counts;
  }

  /**
   * Writes chunk rows, replacing stored rows of the same id. Only rows whose id is already stored
   * (a load repeated after a crash) are merged; the rest are appended, which is what nearly every
   * row is: measured at 3072 dims, a merge takes 1.6× the time of an append and its memory grows
   * with the table (+300 MB over 15k rows, against +160 MB).
   */
  async upsertChunks(rows: readonly ChunkRow[]): Promise<void> {
    if (rows.length === 0) return;
    const schema = chunksSchema(rows[0].vector.length);
    const maybeStored = await this.chunkIdsMaybeStored();
    for (let start = 0; start < rows.length; start += WRITE_BATCH_ROWS) {
      const batch = rows.slice(start, start + WRITE_BATCH_ROWS);
      const candidates = batch.filter((row) => maybeStored.has(idHash(row.id)));
      const stored = candidates.length === 0 ? new Set<string>() : await this.storedChunkIds(candidates.map((row) => row.id));
      // Recorded before the writes: a write that fails halfway leaves its ids "maybe stored", never "not stored".
      for (const row of batch) maybeStored.add(idHash(row.id));
      const appended = stored.size === 0 ? batch : batch.filter((row) => !stored.has(row.id));
      const replacing = stored.size === 0 ? [] : batch.filter((row) => stored.has(row.id));
      if (appended.length > 0) await this.chunks.add(toArrowTable(schema, appended as unknown as Record<string, unknown>[]));
      if (replacing.length > 0) {
        await this.chunks
          .mergeInsert('id')
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .execute(toArrowTable(schema, replacing as unknown as Record<string, unknown>[]));
      }
    }
  }

  /**
   * Hashes of every id the chunks table may hold: the ids it held at this store's first write, and
   * every id written since. Deletions leave their hashes (a superset only costs a lookup), and a
   * hash collision only sends a row to storedChunkIds. Built again for a new table (reset).
   */
  private async chunkIdsMaybeStored(): Promise<Set<number>> {
    const table = this.chunks;
    if (this.chunkIdHashes?.table !== table) {
      const hashes = new Set<number>();
      for await (const batch of table.query().select(['id'])) {
        for (const id of batch.getChild('id')?.toArray() ?? []) hashes.add(idHash(String(id)));
      }
      this.chunkIdHashes = { table, hashes };
    }
    return this.chunkIdHashes.hashes;
  }

  /** Which of `ids` the chunks table holds (reads the id column only). */
  private async storedChunkIds(ids: readonly string[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let start = 0; start < ids.length; start += LOOKUP_BATCH) {
      const rows = await this.chunks.query().where(sqlIn('id', ids.slice(start, start + LOOKUP_BATCH))).select(['id']).toArray();
      for (const row of rows) stored.add(String(row.id));
    }
    return stored;
  }

  async upsertDocuments(rows: DocumentRow[]): Promise<void> {
    for (let start = 0; start < rows.length; start += WRITE_BATCH_ROWS) {
      await this.documents
        .mergeInsert('path')
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(rows.slice(start, start + WRITE_BATCH_ROWS) as unknown as Record<string, unknown>[]);
    }
  }

  /** The summary row (`chunk = -1`) of each document that has one: path → the document hash it was made for. */
  async summaryRows(): Promise<Map<string, string>> {
    const rows = new Map<string, string>();
    if (!this.chunksTable) return rows;
    for (const row of await this.chunksTable.query().where(`chunk = ${SUMMARY_CHUNK}`).select(['path', 'doc_hash']).toArray()) {
      rows.set(String(row.path), String(row.doc_hash));
    }
    return rows;
  }

  /** Applies changes to every document of a given content hash (identical files share one summary). */
  async updateDocumentsByHash(changes: ReadonlyMap<string, Partial<DocumentRow>>): Promise<number> {
    if (changes.size === 0 || !this.documentsTable) return 0;
    const hashes = [...changes.keys()];
    const updated: DocumentRow[] = [];
    for (let start = 0; start < hashes.length; start += LOOKUP_BATCH) {
      const rows = await this.documentsTable.query().where(sqlIn('hash', hashes.slice(start, start + LOOKUP_BATCH))).toArray();
      for (const row of rows) {
        const doc = row.toJSON() as DocumentRow;
        updated.push({ ...doc, size: Number(doc.size), mtime_ms: Number(doc.mtime_ms), ...changes.get(doc.hash) });
      }
    }
    await this.upsertDocuments(updated);
    return updated.length;
  }

  /** Removes the chunk rows of these paths (a new version replaces them). */
  async deleteChunksOf(paths: readonly string[]): Promise<void> {
    for (let start = 0; start < paths.length; start += LOOKUP_BATCH) {
      await this.chunks.delete(sqlIn('path', paths.slice(start, start + LOOKUP_BATCH)));
    }
  }

  /** Removes documents and their chunks. */
  async deleteDocuments(paths: readonly string[]): Promise<void> {
    await this.deleteChunksOf(paths);
    for (let start = 0; start < paths.length; start += LOOKUP_BATCH) {
      await this.documents.delete(sqlIn('path', paths.slice(start, start + LOOKUP_BATCH)));
    }
  }

  async countChunks(filter?: string): Promise<number> {
    return this.chunksTable ? this.chunksTable.countRows(filter) : 0;
  }

  async countDocuments(): Promise<number> {
    return this.documentsTable ? this.documentsTable.countRows() : 0;
  }

  /**
   * Compacts, prunes old versions and folds new rows into the indexes (for the chunks table: when due,
   * or `foldInNow`); creates the full-text index once there are rows, and the cosine vector index once
   * there are enough of them.
   */
  async maintain(options: { pruneOlderThan?: Date; pruneVectors?: boolean; foldInNow?: boolean } = {}): Promise<MaintenanceReport> {
    const report: MaintenanceReport = {
      rows: 0,
      createdIndexes: [],
      foldedIn: false,
      fragmentsRemoved: 0,
      fragmentsAdded: 0,
      versionsPruned: 0,
      bytesPruned: 0,
      vectorsPruned: 0,
    };
    if (!this.chunksTable) return report;
    const table = this.chunksTable;
    report.rows = await table.countRows();
    const indices = await table.listIndices();
    // A vector index of another type (an index made by an earlier gbi) is replaced.
    const existing = new Set(indices.filter((index) => index.name !== 'vector_idx' || index.indexType === VECTOR_INDEX_TYPE).map((index) => index.name));
    const cleanupOlderThan = options.pruneOlderThan ?? new Date(Date.now() - 7 * 24 * 3600 * 1000);
    if (this.vectorsTable && (await this.vectorsTable.countRows()) > 0 && !(await this.vectorsTable.listIndices()).some((index) => index.name === 'key_idx')) {
      await this.vectorsTable.createIndex('key', { config: lancedb.Index.btree() });
    }
    if (options.pruneVectors) report.vectorsPruned = await this.pruneVectors();
    report.foldedIn = options.foldInNow === true || !existing.has('vector_idx') || (await this.foldInDue(table, report.rows));
    // Compaction first, so that an index created below is built over compacted fragments.
    const optimized = [report.foldedIn ? table : undefined, this.documentsTable, this.vectorsTable].filter((t): t is Table => t !== undefined);
    for (const stats of await Promise.all(optimized.map((t) => t.optimize({ cleanupOlderThan })))) {
      if (!stats) continue;
      report.fragmentsRemoved += stats.compaction.fragmentsRemoved;
      report.fragmentsAdded += stats.compaction.fragmentsAdded;
      report.versionsPruned += stats.prune.oldVersionsRemoved;
      report.bytesPruned += stats.prune.bytesRemoved;
    }
    const missing: [name: string, column: string, config: lancedb.Index][] = [];
    if (report.rows > 0 && !existing.has('text_idx')) missing.push(['text_idx', 'text', lancedb.Index.fts()]);
    if (report.rows > 0 && !existing.has('key_idx')) missing.push(['key_idx', 'key', lancedb.Index.btree()]);
    // Every search filters on chunk (chunk rows or summary rows): without an index that filter scans
    // the column before each query, 40 % of a vector query's time at 100k rows.
    if (report.rows > 0 && !existing.has('chunk_idx')) missing.push(['chunk_idx', 'chunk', lancedb.Index.btree()]);
    if (report.rows >= VECTOR_INDEX_MIN_ROWS && !existing.has('vector_idx')) {
      // One graph per million rows: a single graph is best, but its training memory grows with it.
      const config = lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: Math.ceil(report.rows / 1_000_000), m: 16, efConstruction: 150 });
      missing.push(['vector_idx', 'vector', config]);
    }
    // Built side by side: each is mostly one thread's work, and their commits do not conflict.
    await Promise.all(missing.map(([, column, config]) => table.createIndex(column, { config, replace: true })));
    report.createdIndexes.push(...missing.map(([name]) => name));
    return report;
  }

  private async foldInDue(table: Table, rows: number): Promise<boolean> {
    const [index, stats] = await Promise.all([table.indexStats('vector_idx'), table.stats()]);
    return (index?.numUnindexedRows ?? 0) >= FOLD_IN_SHARE * rows || stats.fragmentStats.numFragments > FOLD_IN_FRAGMENTS;
  }

  close(): void {
    this.chunksTable?.close();
    this.documentsTable?.close();
    this.vectorsTable?.close();
    this.connection.close();
  }
}

export interface MaintenanceReport {
  rows: number;
  createdIndexes: string[];
  /** Whether the chunks table was compacted and its new rows folded into its indexes. */
  foldedIn: boolean;
  fragmentsRemoved: number;
  fragmentsAdded: number;
  versionsPruned: number;
  bytesPruned: number;
  /** Vectors no chunk uses any more, dropped by `gbi optimize`. */
  vectorsPruned: number;
}

function vectorDims(schema: { fields: { name: string; type: unknown }[] }): number {
  const field = schema.fields.find((f) => f.name === 'vector');
  const type = field?.type as { listSize?: number } | undefined;
  if (!type?.listSize) throw new Error('the chunks table has no fixed-size vector column');
  return type.listSize;
}

function idHash(id: string): number {
  return fnvString(FNV_OFFSET_BASIS, id) >>> 0;
}
