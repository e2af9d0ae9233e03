/**
 * P6 search at 100k × 768 rows. The table is made by the product's store (IndexStore.prepare, its
 * chunks schema) and indexed by the product's own maintenance (IndexStore.maintain: FTS, BTree on key,
 * cosine HNSW_SQ). Then:
 *  - ANN: the product's vector query (nearestTo + cosine + the chunk-row filter + limit 10), p50 and
 *    recall@10 against brute force (the same query with bypassVectorIndex) on the same table;
 *  - search() end to end through SearchIndex (query embedded by the offline backend), vector and hybrid.
 *
 *   node --import tsx bench/figures/search.ts <result.json> [rows] [queries]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMBEDDER_ID, hashEmbed } from '../../src/emulator/index.js';
import { DEFAULT_MODEL } from '../../src/pipeline/build.js';
import { openIndex, type SearchMode } from '../../src/search/index.js';
import { ANN_EF, ANN_REFINE } from '../../src/search/search.js';
import { IndexStore, type ChunkRow, type DocumentRow } from '../../src/store/index.js';
import { headingQueries, rowTexts, sentenceQueries } from '../lib/search-data.js';
import { type Figure, log, median, now, percentile, resultPath, round, tempDir } from '../lib/common.js';

const out = resultPath();
const rowCount = Number(process.argv[3] ?? 100_000);
const queryCount = Number(process.argv[4] ?? 100);
const DIMS = 768;
const K = 10;
const CHUNK_COLUMNS = ['id', 'key', 'path', 'start_line', 'end_line', 'heading', 'text'];
const CHUNK_FILTER = 'chunk <> -1';

const dir = await tempDir('p6');
try {
  const index = join(dir.path, 'index');
  let mark = now();
  const texts = await rowTexts(rowCount);
  const store = await IndexStore.open(index);
  await store.prepare(DIMS);
  const docsByPath = new Map<string, number>();
  for (let start = 0; start < texts.length; start += 10_000) {
    const rows: ChunkRow[] = texts.slice(start, start + 10_000).map((text, offset) => {
      const i = start + offset;
      const path = `docs/${String(Math.floor(i / 40)).padStart(5, '0')}.md`;
      docsByPath.set(path, (docsByPath.get(path) ?? 0) + 1);
      return {
        id: `${path}#${i % 40}`,
        key: `k${i}`,
        path,
        chunk: i % 40,
        start_line: 1,
        end_line: 1,
        heading: '',
        text,
        tokens: Math.ceil(text.length / 4),
        model: DEFAULT_MODEL,
        doc_hash: 'bench',
        vector: hashEmbed(text, DIMS),
      };
    });
    await store.chunks.add(rows as unknown as Record<string, unknown>[]);
  }
  const documents: DocumentRow[] = [...docsByPath].map(([path, count]) => ({
    path,
    hash: 'bench',
    size: 0,
    mtime_ms: 0,
    chunk_count: count,
    title: path,
    encoding: 'utf-8',
    summary: '',
    keywords: '',
    summary_error: '',
  }));
  await store.upsertDocuments(documents);
  await store.writeMeta({ model: DEFAULT_MODEL, dims: DIMS, fingerprint: 'bench', embedder: EMBEDDER_ID, lastBuild: new Date().toISOString() });
  const loadMs = now() - mark;
  log(`P6: ${texts.length} rows written in ${round(loadMs / 1000, 1)} s; building indexes with IndexStore.maintain()…`);
  mark = now();
  const maintenance = await store.maintain();
  const maintainMs = now() - mark;
  const indices = await store.chunks.listIndices();
  const vectorIndex = indices.find((index) => index.columns.includes('vector'));
  const vectorStats = vectorIndex ? await store.chunks.indexStats(vectorIndex.name) : undefined;
  log(`P6: maintain() ${round(maintainMs / 1000, 1)} s, created ${maintenance.createdIndexes.join(', ')}`);

  const querySets = { headings: await headingQueries(queryCount), sentences: await sentenceQueries(queryCount) };
  const table = store.chunks;
  const baseQuery = (vector: number[]) =>
    table.query().nearestTo(vector).distanceType('cosine').select([...CHUNK_COLUMNS, '_distance']).where(CHUNK_FILTER).limit(K);
  const productQuery = (vector: number[]) => baseQuery(vector).ef(ANN_EF).refineFactor(ANN_REFINE);

  async function timed(count: number, run: (i: number) => Promise<Record<string, unknown>[]>): Promise<{ ms: number[]; ids: string[][] }> {
    for (let i = 0; i < Math.min(10, count); i++) await run(i); // warm-up
    const ms: number[] = [];
    const ids: string[][] = [];
    for (let i = 0; i < count; i++) {
      const started = now();
      const rows = await run(i);
      ms.push(now() - started);
      ids.push(rows.map((row) => String(row.id)));
    }
    return { ms, ids };
  }
  const recallOf = (ids: string[][], truth: string[][]) =>
    ids.reduce((sum, got, i) => sum + got.filter((id) => truth[i]!.includes(id)).length / Math.max(1, Math.min(K, truth[i]!.length)), 0) / ids.length;

  interface SetResult {
    queries: number;
    sample: string[];
    ann: { p50Ms: number; p95Ms: number; recallAt10: number };
    bruteForce: { p50Ms: number; p95Ms: number };
    otherSettings: Record<string, unknown>[];
  }
  const results: Record<string, SetResult> = {};
  for (const [name, texts] of Object.entries(querySets)) {
    const vectors = texts.map((text) => Array.from(hashEmbed(text, DIMS)));
    const brute = await timed(vectors.length, (i) => baseQuery(vectors[i]!).bypassVectorIndex().toArray());
    const ann = await timed(vectors.length, (i) => productQuery(vectors[i]!).toArray());
    const annRecall = recallOf(ann.ids, brute.ids);
    log(`P6 ${name}: brute force p50 ${round(median(brute.ms))} ms; ANN (product query) p50 ${round(median(ann.ms))} ms, recall@10 ${round(annRecall, 3)}`);
    // The same index with other query-time settings.
    const other: Record<string, unknown>[] = [];
    for (const [ef, refine] of [
      [0, 0],
      [128, 0],
      [256, 10],
      [1024, 10],
    ] as const) {
      const run = await timed(vectors.length, (i) => {
        let query = baseQuery(vectors[i]!);
        if (ef) query = query.ef(ef);
        if (refine) query = query.refineFactor(refine);
        return query.toArray();
      });
      const recall = recallOf(run.ids, brute.ids);
      other.push({ ef: ef || 'LanceDB default', refineFactor: refine || null, p50Ms: round(median(run.ms)), p95Ms: round(percentile(run.ms, 95)), recallAt10: round(recall, 3) });
      log(`P6 ${name}: ef ${ef || 'default'} refine ${refine || '-'}: p50 ${round(median(run.ms))} ms recall ${round(recall, 3)}`);
    }
    results[name] = {
      queries: texts.length,
      sample: texts.slice(0, 4),
      ann: { p50Ms: round(median(ann.ms)), p95Ms: round(percentile(ann.ms, 95)), recallAt10: round(annRecall, 4) },
      bruteForce: { p50Ms: round(median(brute.ms)), p95Ms: round(percentile(brute.ms, 95)) },
      otherSettings: other,
    };
  }
  store.close();

  // End to end through the library's search(), offline backend (in-process emulator embeds the query).
  const queryTexts = querySets.headings;
  const searchIndex = await openIndex(index);
  const endToEnd: Record<string, { p50Ms: number; p95Ms: number }> = {};
  for (const mode of ['vector', 'hybrid'] as SearchMode[]) {
    const run = await timed(queryTexts.length, async (i) => (await searchIndex.search(queryTexts[i]!, { mode, k: K })).map((hit) => ({ id: `${hit.path}:${hit.startLine}` })));
    endToEnd[mode] = { p50Ms: round(median(run.ms)), p95Ms: round(percentile(run.ms, 95)) };
    log(`P6: search() ${mode} p50 ${round(median(run.ms))} ms`);
  }
  await searchIndex.close();

  const headline = results.headings!;
  const annP50 = headline.ann.p50Ms;
  const annRecall = headline.ann.recallAt10;
  const bruteP50 = headline.bruteForce.p50Ms;
  const hybridP50 = endToEnd.hybrid!.p50Ms;
  const figure: Figure = {
    id: 'P6',
    name: `search at ${round(texts.length / 1000, 0)}k × ${DIMS}`,
    measured: `ANN p50 ${round(annP50)} ms, recall@10 ${round(annRecall, 3)}; hybrid search() p50 ${round(hybridP50)} ms`,
    baseline: `brute force p50 ${round(bruteP50)} ms`,
    ratio: annP50 / bruteP50,
    goal: 'ANN p50 <= 10 ms, recall@10 >= 0.95; hybrid p50 <= 25 ms',
    pass: annP50 <= 10 && annRecall >= 0.95 && hybridP50 <= 25,
    details: {
      rows: texts.length,
      writeMs: round(loadMs),
      maintainMs: round(maintainMs),
      createdIndexes: maintenance.createdIndexes,
      vectorIndex: vectorIndex ? { name: vectorIndex.name, type: vectorIndex.indexType, stats: vectorStats } : null,
      querySets: results,
      searchEndToEnd: endToEnd,
      method:
        'Rows: distinct corpus slices (1,500/700/350/200 chars) with hashEmbed(text, 768) vectors, written with table.add into the table ' +
        'IndexStore.prepare(768) creates; indexes by IndexStore.maintain() (cosine HNSW_SQ, one partition, m 16, efConstruction 150, ' +
        'FTS on text, BTree on key and on chunk). Queries (headline): Markdown headings of 3-8 words from the corpus; also a set of prose sentences of 12-30 words; ' +
        'embedded with hashEmbed. ANN = the query the ' +
        `product's search builds (nearestTo, cosine, ef ${ANN_EF}, refineFactor ${ANN_REFINE}, select, where chunk <> -1, limit 10); baseline = the same ` +
        'without the ANN settings and with bypassVectorIndex(). ' +
        'Latencies after 10 warm-up queries, p50 over all queries. Hybrid = SearchIndex.search(mode hybrid) end to end (query embedding ' +
        'through the offline backend, vector + FTS at depth 50, RRF fusion, document lookup).',
    },
  };
  await writeFile(out, JSON.stringify(figure));
} finally {
  await dir.remove();
}
