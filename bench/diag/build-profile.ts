/**
 * Diagnostic (not part of npm run bench): where P7's full build and P3's no-op rebuild spend their time.
 *  - the full build's phases (from build()'s events);
 *  - what its 'optimize' phase does, step by step, replayed on a copy of the same rows (FTS index,
 *    BTree on key, cosine HNSW_SQ with the product's parameters, one after another, optimize);
 *  - the no-op rebuild's pieces: walkFiles alone, a fast-glob + stat walk, the store reads.
 *
 *   node --import tsx bench/diag/build-profile.ts [root]
 */
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import fg from 'fast-glob';
import { walkFiles } from '../../src/crawl/index.js';
import { build, SECRET_FILE_EXCLUDES } from '../../src/pipeline/build.js';
import { IndexSession } from '../../src/pipeline/session.js';
import { IndexStore, chunksSchema } from '../../src/store/index.js';
import { K8S, median, now, round, tempDir } from '../lib/common.js';
import { PhaseClock } from '../lib/phases.js';

const root = process.argv[2] ?? K8S;
const dir = await tempDir('profile');
const timeIt = async (runs: number, work: () => Promise<unknown>): Promise<number> => {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const mark = now();
    await work();
    ms.push(now() - mark);
  }
  return round(median(ms));
};
try {
  const index = join(dir.path, 'index');
  const clock = new PhaseClock();
  let mark = now();
  const summary = await build({ root, index, onEvent: clock.onEvent });
  console.log(`full build ${round((now() - mark) / 1000, 1)} s, ${summary.chunks.stored} rows; phases (ms) ${JSON.stringify(clock.finish())}`);

  // The optimize phase, step by step, on a fresh table holding the same rows.
  const store = await IndexStore.open(index);
  const rows = await store.chunks.query().toArray();
  const db = await lancedb.connect(join(dir.path, 'replay'));
  const table = await db.createEmptyTable('chunks', chunksSchema(768));
  await table.add(rows.map((row) => ({ ...row, vector: Array.from(row.vector as Iterable<number>) })));
  const steps: Record<string, number> = {};
  mark = now();
  await table.createIndex('text', { config: lancedb.Index.fts() });
  steps.ftsIndex = round(now() - mark);
  mark = now();
  await table.createIndex('key', { config: lancedb.Index.btree() });
  steps.btreeKey = round(now() - mark);
  mark = now();
  await table.createIndex('vector', {
    config: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: 16, efConstruction: 150 }),
  });
  steps.hnswSq = round(now() - mark);
  mark = now();
  await table.optimize({ cleanupOlderThan: new Date(Date.now() - 7 * 24 * 3600 * 1000) });
  steps.optimize = round(now() - mark);
  console.log(`optimize phase replayed on ${rows.length} rows (ms): ${JSON.stringify(steps)}`);
  const bruteMs = await timeIt(20, () => table.query().nearestTo(rows[0]!.vector as number[]).distanceType('cosine').bypassVectorIndex().limit(10).toArray());
  console.log(`brute-force query at ${rows.length} rows: p50 ${bruteMs} ms (what search costs without the vector index)`);
  table.close();
  db.close();

  // The no-op rebuild's pieces.
  const pieces: Record<string, number> = {};
  pieces.noopBuild = await timeIt(5, () => build({ root, index }));
  pieces.walkFiles = await timeIt(5, async () => {
    for await (const _ of walkFiles(root, { exclude: SECRET_FILE_EXCLUDES })) void _;
  });
  pieces.fastGlobStat = await timeIt(5, () => fg('**/*', { cwd: root, dot: true, onlyFiles: true, stats: true, followSymbolicLinks: true }));
  pieces.fastGlobNoStat = await timeIt(5, () => fg('**/*', { cwd: root, dot: true, onlyFiles: true, followSymbolicLinks: true }));
  pieces.sessionOpenClose = await timeIt(5, async () => (await IndexSession.open({ index, command: 'profile', write: true })).close());
  pieces.catalog = await timeIt(5, () => store.catalog());
  pieces.storedChunkCounts = await timeIt(5, () => store.storedChunkCounts());
  store.close();
  console.log(`no-op rebuild pieces, median of 5 (ms): ${JSON.stringify(pieces)}`);
} finally {
  await dir.remove();
}
