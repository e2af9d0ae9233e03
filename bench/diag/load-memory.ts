/**
 * Diagnostic (not part of npm run bench): where P2's peak RSS comes from. Writes `rows` chunk rows of
 * `dims` hashed vectors into a fresh index, `batch` rows per call, and reports peak RSS split into V8
 * heap, external and native (LanceDB) memory. Modes:
 * - upsert: IndexStore.upsertChunks, as the product's sink writes (appends; merges only stored ids)
 * - merge: mergeInsert on id of the same Arrow batches (how every write went before)
 * - add: table.add of plain row objects (P2's baseline; LanceDB converts them)
 *
 *   node --import tsx bench/diag/load-memory.ts <result.json|-> <upsert|merge|add> [rows] [dims] [batch] [cacheMB]
 *
 * With cacheMB, merge and add use a connection with a LanceDB Session of that many MB of index
 * and metadata cache (the product connects with the defaults: 6 GB index, 1 GB metadata).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { syntheticRow } from '../lib/search-data.js';
import { CHUNKS_TABLE, IndexStore, chunksSchema, type ChunkRow } from '../../src/store/index.js';
import { toArrowTable } from '../../src/store/arrow-rows.js';
import { K8S, now, round, tempDir } from '../lib/common.js';
import { corpusTexts } from '../lib/load-setup.js';

const [out, mode = 'upsert', rowsText = '20000', dimsText = '3072', batchText = '2000', cacheText] = process.argv.slice(2);
const rows = Number(rowsText);
const dims = Number(dimsText);
const batch = Number(batchText);

const texts = await corpusTexts(K8S, Math.min(rows, 20_000));
const dir = await tempDir('diag');
const store = await IndexStore.open(join(dir.path, 'index'));
await store.prepare(dims);
const session = cacheText ? new lancedb.Session(BigInt(Number(cacheText) * 1e6), BigInt(Number(cacheText) * 1e6)) : undefined;
const own = session ? await lancedb.connect(join(dir.path, 'index'), {}, session) : undefined;
const table = own ? await own.openTable(CHUNKS_TABLE) : store.chunks;
const peaks = { rss: 0, heapUsed: 0, external: 0, native: 0 };
const sample = () => {
  const usage = process.memoryUsage();
  peaks.rss = Math.max(peaks.rss, usage.rss);
  peaks.heapUsed = Math.max(peaks.heapUsed, usage.heapUsed);
  peaks.external = Math.max(peaks.external, usage.external);
  peaks.native = Math.max(peaks.native, usage.rss - usage.heapTotal - usage.external);
};
const timer = setInterval(sample, 50);
const rssAfter: number[] = [];
const callMs: number[] = [];
const started = now();
for (let start = 0; start < rows; start += batch) {
  const slice: ChunkRow[] = [];
  for (let i = start; i < Math.min(rows, start + batch); i++) {
    const text = texts[i % texts.length]!;
    slice.push(syntheticRow(i, text, dims));
  }
  const callStarted = now();
  const plain = slice as unknown as Record<string, unknown>[];
  if (mode === 'add') await table.add(plain);
  else if (mode === 'merge') await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(toArrowTable(chunksSchema(dims), plain));
  else await store.upsertChunks(slice);
  callMs.push(Math.round(now() - callStarted));
  if (process.env.DIAG_GC) (globalThis as { gc?: () => void }).gc?.();
  sample();
  rssAfter.push(Math.round(process.memoryUsage().rss / 1e6));
}
const ms = now() - started;
clearInterval(timer);
const sessionBytes = session ? Number(session.sizeBytes()) : undefined;
if (own) {
  table.close();
  own.close();
}
store.close();
await dir.remove();
const result = {
  mode,
  rows,
  dims,
  batch,
  cacheMB: cacheText ? Number(cacheText) : 'default',
  sessionCacheMB: sessionBytes === undefined ? undefined : round(sessionBytes / 1e6, 1),
  ms: round(ms),
  rowsPerSec: round(rows / (ms / 1000)),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  peaksMB: Object.fromEntries(Object.entries(peaks).map(([name, bytes]) => [name, Math.round(bytes / 1e6)])),
  rssAfterEachCallMB: rssAfter,
  msOfEachCall: callMs,
};
if (out && out !== '-') await writeFile(out, JSON.stringify(result));
else console.log(JSON.stringify(result));
