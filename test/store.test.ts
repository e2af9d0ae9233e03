import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexStore, VECTOR_INDEX_MIN_ROWS, type ChunkRow } from '../src/store/index.js';
import { tempDir } from './helpers/fixtures.js';

const DIMS = 16;

/** A distinct, spread-out vector per row number. */
function vectorOf(i: number): Float32Array {
  return Float32Array.from({ length: DIMS }, (_, d) => Math.sin((i + 1) * (d + 1) * 12.9898) * 43758.5453 % 1);
}

function rows(from: number, to: number): ChunkRow[] {
  return Array.from({ length: to - from }, (_, offset) => {
    const i = from + offset;
    const text = `passage ${i} about topic${i % 97} and word${i}`;
    return {
      id: `doc${Math.floor(i / 50)}.md#${i % 50}`,
      key: `k${i}`,
      path: `doc${Math.floor(i / 50)}.md`,
      chunk: i % 50,
      start_line: 1,
      end_line: 1,
      heading: '',
      text,
      tokens: 8,
      model: 'test',
      doc_hash: 'h',
      vector: vectorOf(i),
    };
  });
}

describe('index upkeep', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: IndexStore;
  const nearest = async (i: number) => {
    const found = await store.chunks.query().nearestTo(vectorOf(i)).distanceType('cosine').select(['key', '_distance']).limit(1).toArray();
    return String(found[0]?.key);
  };
  const unindexed = async () => (await store.chunks.indexStats('vector_idx'))?.numUnindexedRows;

  beforeAll(async () => {
    dir = await tempDir();
    store = await IndexStore.open(join(dir.path, 'index'));
    await store.prepare(DIMS);
  });
  afterAll(async () => {
    store.close();
    await dir.remove();
  });

  it('builds no vector index below the threshold, and an HNSW one from it', async () => {
    await store.upsertChunks(rows(0, VECTOR_INDEX_MIN_ROWS - 1));
    expect((await store.maintain()).createdIndexes).toEqual(['text_idx', 'key_idx', 'chunk_idx']);
    await store.upsertChunks(rows(VECTOR_INDEX_MIN_ROWS - 1, VECTOR_INDEX_MIN_ROWS));
    const report = await store.maintain();
    expect(report.createdIndexes).toEqual(['vector_idx']);
    const index = (await store.chunks.listIndices()).find((entry) => entry.name === 'vector_idx');
    expect(index?.indexType).toBe('IvfHnswSq');
    expect(await unindexed()).toBe(0);
  });

  it('leaves a small tail of new rows out of the index, and still finds them', async () => {
    await store.upsertChunks(rows(VECTOR_INDEX_MIN_ROWS, VECTOR_INDEX_MIN_ROWS + 200));
    const report = await store.maintain();
    expect(report.foldedIn).toBe(false);
    expect(await unindexed()).toBe(200);
    expect(await nearest(VECTOR_INDEX_MIN_ROWS + 150)).toBe(`k${VECTOR_INDEX_MIN_ROWS + 150}`);
    const words = await store.chunks.query().fullTextSearch(new lancedb.MatchQuery(`word${VECTOR_INDEX_MIN_ROWS + 150}`, 'text')).select(['key', '_score']).toArray();
    expect(words.map((row) => String(row.key))).toEqual([`k${VECTOR_INDEX_MIN_ROWS + 150}`]);
  });

  it('filters on chunk through its index and beside it: summary rows added after the index are told apart', async () => {
    const base = VECTOR_INDEX_MIN_ROWS + 200;
    const [chunkRow, summaryRow] = rows(base, base + 2).map((row, i) => ({ ...row, id: `late${i}.md#${i ? -1 : 0}`, path: `late${i}.md`, chunk: i ? -1 : 0 }));
    await store.upsertChunks([chunkRow!, summaryRow!]);
    expect((await store.chunks.indexStats('chunk_idx'))?.numUnindexedRows).toBe(202);
    const ids = async (filter: string) => (await store.chunks.query().where(`(${filter}) AND path LIKE 'late%'`).select(['id']).toArray()).map((row) => String(row.id));
    expect(await ids('chunk <> -1')).toEqual(['late0.md#0']);
    expect(await ids('chunk = -1')).toEqual(['late1.md#-1']);
    expect(await store.countChunks('chunk = -1')).toBe(1);
    await store.deleteChunksOf(['late0.md', 'late1.md']);
  });

  it('folds the tail in once it reaches 5 % of the table', async () => {
    await store.upsertChunks(rows(VECTOR_INDEX_MIN_ROWS + 200, VECTOR_INDEX_MIN_ROWS + 600));
    const report = await store.maintain();
    expect(report.foldedIn).toBe(true);
    expect(await unindexed()).toBe(0);
    expect(await nearest(VECTOR_INDEX_MIN_ROWS + 550)).toBe(`k${VECTOR_INDEX_MIN_ROWS + 550}`);
  });

  it('folds in at once when asked (gbi optimize)', async () => {
    await store.upsertChunks(rows(VECTOR_INDEX_MIN_ROWS + 600, VECTOR_INDEX_MIN_ROWS + 610));
    expect((await store.maintain()).foldedIn).toBe(false);
    expect((await store.maintain({ foldInNow: true })).foldedIn).toBe(true);
    expect(await unindexed()).toBe(0);
  });

  it('replaces a vector index of another type', async () => {
    await store.chunks.createIndex('vector', { config: lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions: 4 }), replace: true });
    const report = await store.maintain();
    expect(report.createdIndexes).toEqual(['vector_idx']);
    expect((await store.chunks.listIndices()).find((entry) => entry.name === 'vector_idx')?.indexType).toBe('IvfHnswSq');
  });
});
