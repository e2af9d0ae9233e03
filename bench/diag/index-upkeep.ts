/**
 * Diagnostic (not part of npm run bench): what an incremental build pays to keep a vector index
 * current. 100k × 768 rows, an index, then 1,000 new rows and IndexStore-style optimize() (which folds
 * them into the index), for the IVF_PQ gbi used before and for the HNSW_SQ it uses now.
 *
 *   node --import tsx bench/diag/index-upkeep.ts [rows]
 */
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { IndexStore, type ChunkRow } from '../../src/store/index.js';
import { rowTexts, syntheticRow } from '../lib/search-data.js';
import { log, now, round, tempDir } from '../lib/common.js';

const rows = Number(process.argv[2] ?? 100_000);
const DIMS = 768;
const texts = await rowTexts(rows + 1_000);
const rowsOf = (from: number, to: number): ChunkRow[] =>
  texts.slice(from, to).map((text, offset) => syntheticRow(from + offset, text, DIMS));

const configs: [string, lancedb.Index][] = [
  ['IVF_PQ (before)', lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: Math.round(Math.sqrt(rows)), numSubVectors: DIMS / 16, maxIterations: 10, sampleRate: 64 })],
  ['HNSW_SQ m16 efc150 (product)', lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: 16, efConstruction: 150 })],
];
for (const [name, index] of configs) {
  const dir = await tempDir('upkeep');
  try {
    const store = await IndexStore.open(join(dir.path, 'index'));
    await store.prepare(DIMS);
    for (let start = 0; start < rows; start += 10_000) await store.chunks.add(rowsOf(start, Math.min(rows, start + 10_000)) as unknown as Record<string, unknown>[]);
    let mark = now();
    await store.chunks.createIndex('vector', { config: index });
    const buildS = (now() - mark) / 1000;
    await store.upsertChunks(rowsOf(rows, rows + 1_000));
    mark = now();
    await store.chunks.optimize({ cleanupOlderThan: new Date() });
    const optimizeS = (now() - mark) / 1000;
    const stats = await store.chunks.indexStats('vector_idx');
    log(JSON.stringify({ index: name, rows, buildS: round(buildS, 1), optimizeAfter1kNewRowsS: round(optimizeS, 1), unindexedAfter: stats?.numUnindexedRows }));
    store.close();
  } finally {
    await dir.remove();
  }
}
