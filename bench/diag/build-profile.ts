/**
 * Diagnostic (not part of npm run bench): where P7's full build and P3's no-op rebuild spend their time.
 *  - the full build's phases (from build()'s events), with the CPU each group of threads used in each
 *    (on Linux): what runs side by side, and how much the cores are left idle;
 *  - what its 'optimize' phase does, replayed on fresh tables holding the same rows, written by
 *    IndexStore.upsertChunks as the load writes them, then compacted: the FTS index, BTree on key
 *    and cosine HNSW_SQ with the product's parameters one after another; then on another such
 *    table the indexes side by side, as IndexStore.maintain() builds them;
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
import { IndexStore, type ChunkRow } from '../../src/store/index.js';
import { K8S, median, now, round, tempDir } from '../lib/common.js';
import { PhaseClock, ThreadCpuByPhase } from '../lib/phases.js';

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
  const cpu = new ThreadCpuByPhase();
  const clock = new PhaseClock(cpu.onSwitch);
  const mark = now();
  const summary = await build({ root, index, onEvent: clock.onEvent });
  const phases = clock.finish();
  console.log(`full build ${round((now() - mark) / 1000, 1)} s, ${summary.chunks.stored} rows; phases (ms) ${JSON.stringify(phases)}`);
  for (const [phase, groups] of cpu.byPhase) {
    const total = Object.values(groups).reduce((sum, ms) => sum + ms, 0);
    const parts = Object.entries(groups)
      .filter(([, ms]) => ms > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([group, ms]) => `${group} ${ms}`)
      .join(', ');
    console.log(`  ${phase}: wall ${phases[phase]} ms, CPU ${total} ms (${parts})`);
  }

  // The optimize phase on fresh tables holding the same rows, written as the load writes them.
  const store = await IndexStore.open(index);
  const rows = (await store.chunks.query().toArray()).map((row) => ({ ...row, vector: Float32Array.from(row.vector as Iterable<number>) }) as ChunkRow);
  const dims = rows[0]!.vector.length;
  const replay = await IndexStore.open(join(dir.path, 'replay'));
  const steps: Record<string, number> = {};
  const freshTable = async (): Promise<lancedb.Table> => {
    await replay.reset(dims);
    steps.addRows = await timeIt(1, () => replay.upsertChunks(rows));
    return replay.chunks;
  };
  const hnswSq = () => lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: 16, efConstruction: 150 });
  // As IndexStore.maintain(): compaction first (the load's batches are fragments), then the indexes.
  const compacted = async (): Promise<lancedb.Table> => {
    const table = await freshTable();
    steps.compact = await timeIt(1, () => table.optimize({ cleanupOlderThan: new Date(Date.now() - 7 * 24 * 3600 * 1000) }));
    return table;
  };
  let table = await compacted();
  steps.ftsIndex = await timeIt(1, () => table.createIndex('text', { config: lancedb.Index.fts() }));
  steps.btreeKey = await timeIt(1, () => table.createIndex('key', { config: lancedb.Index.btree() }));
  steps.hnswSq = await timeIt(1, () => table.createIndex('vector', { config: hnswSq() }));
  table.close();
  table = await compacted();
  steps.indexesSideBySide = await timeIt(1, () =>
    Promise.all([
      table.createIndex('text', { config: lancedb.Index.fts() }),
      table.createIndex('key', { config: lancedb.Index.btree() }),
      table.createIndex('chunk', { config: lancedb.Index.btree() }),
      table.createIndex('vector', { config: hnswSq() }),
    ]),
  );
  console.log(`optimize phase replayed on ${rows.length} rows (ms): ${JSON.stringify(steps)}`);
  const bruteMs = await timeIt(20, () => table.query().nearestTo(rows[0]!.vector).distanceType('cosine').bypassVectorIndex().limit(10).toArray());
  console.log(`brute-force query at ${rows.length} rows: p50 ${bruteMs} ms (what search costs without the vector index)`);
  replay.close();

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
