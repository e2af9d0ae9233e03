/**
 * Diagnostic (not part of npm run bench): which vector index reaches P6's goal (ANN p50 <= 10 ms with
 * recall@10 >= 0.95 at 100k × 768) on gbi's own vectors. Same rows and queries as bench/figures/search.ts;
 * each index built in turn on the same table (replace), queried at a few settings, recall against brute force.
 *
 *   node --import tsx bench/diag/ann-index.ts [result.json|-] [rows] [only-config-names,comma]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { hashEmbed } from '../../src/emulator/index.js';
import { IndexStore, type ChunkRow } from '../../src/store/index.js';
import { headingQueries, rowTexts, sentenceQueries, syntheticRow } from '../lib/search-data.js';
import { log, median, now, round, tempDir } from '../lib/common.js';

const [out = '-', rowsText = '100000', onlyText] = process.argv.slice(2);
const rows = Number(rowsText);
const DIMS = 768;
const K = 10;
const partitions = Math.round(Math.sqrt(rows));

interface Config {
  name: string;
  index: lancedb.Index;
  settings: { nprobes?: number; refine?: number; ef?: number }[];
}
const configs: Config[] = [
  {
    name: 'IVF_PQ as gbi built it before (sqrt(n) partitions, dims/16 sub-vectors, 10 iterations, sample 64)',
    index: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: partitions, numSubVectors: DIMS / 16, maxIterations: 10, sampleRate: 64 }),
    settings: [{ nprobes: 32, refine: 10 }, { nprobes: 64, refine: 50 }],
  },
  {
    name: 'IVF_PQ dims/4 sub-vectors',
    index: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: partitions, numSubVectors: DIMS / 4, maxIterations: 10, sampleRate: 64 }),
    settings: [{ nprobes: 32, refine: 10 }, { nprobes: 64, refine: 10 }],
  },
  {
    name: 'IVF_FLAT (sqrt(n) partitions)',
    index: lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions: partitions, maxIterations: 10, sampleRate: 64 }),
    settings: [{ nprobes: 16 }, { nprobes: 32 }, { nprobes: 64 }],
  },
  {
    name: 'IVF_FLAT (sqrt(n)/4 partitions)',
    index: lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions: Math.round(partitions / 4), maxIterations: 10, sampleRate: 64 }),
    settings: [{ nprobes: 8 }, { nprobes: 16 }],
  },
  {
    name: 'HNSW_SQ (m 16, efConstruction 150), as gbi builds it',
    index: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: 16, efConstruction: 150 }),
    settings: [{ ef: 64 }, { ef: 128 }, { ef: 128, refine: 5 }, { ef: 256, refine: 10 }, { ef: 512, refine: 10 }],
  },
  {
    name: 'HNSW_SQ (m 32, efConstruction 200)',
    index: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: 32, efConstruction: 200 }),
    settings: [{ ef: 128, refine: 5 }, { ef: 256, refine: 10 }],
  },
];
const only = onlyText ? onlyText.split(',') : undefined;

const dir = await tempDir('ann');
const report: Record<string, unknown>[] = [];
try {
  const texts = await rowTexts(rows);
  const store = await IndexStore.open(join(dir.path, 'index'));
  await store.prepare(DIMS);
  for (let start = 0; start < texts.length; start += 10_000) {
    const batch: ChunkRow[] = texts.slice(start, start + 10_000).map((text, offset) => syntheticRow(start + offset, text, DIMS));
    await store.chunks.add(batch as unknown as Record<string, unknown>[]);
  }
  const table = store.chunks;
  const sets = { headings: await headingQueries(100), sentences: await sentenceQueries(100) };
  const vectorsOf = Object.fromEntries(Object.entries(sets).map(([name, list]) => [name, list.map((text) => Array.from(hashEmbed(text, DIMS)))]));
  const truth: Record<string, string[][]> = {};
  for (const [name, vectors] of Object.entries(vectorsOf)) {
    truth[name] = [];
    for (const vector of vectors) {
      const found = await table.query().nearestTo(vector).distanceType('cosine').bypassVectorIndex().select(['id', '_distance']).limit(K).toArray();
      truth[name]!.push(found.map((row) => String(row.id)));
    }
  }
  for (const config of configs) {
    if (only && !only.some((name) => config.name.startsWith(name))) continue;
    let mark = now();
    await table.createIndex('vector', { config: config.index, replace: true });
    const buildMs = now() - mark;
    log(`${config.name}: built in ${round(buildMs / 1000, 1)} s`);
    for (const setting of config.settings) {
      const entry: Record<string, unknown> = { index: config.name, buildS: round(buildMs / 1000, 1), ...setting };
      for (const [name, vectors] of Object.entries(vectorsOf)) {
        const ms: number[] = [];
        let recall = 0;
        for (const [i, vector] of vectors.entries()) {
          let query = table.query().nearestTo(vector).distanceType('cosine').select(['id', '_distance']).limit(K);
          if (setting.nprobes) query = query.nprobes(setting.nprobes);
          if (setting.ef) query = query.ef(setting.ef);
          if (setting.refine) query = query.refineFactor(setting.refine);
          if (i < 5) await query.toArray(); // warm-up
          mark = now();
          const found = await query.toArray();
          ms.push(now() - mark);
          recall += found.filter((row) => truth[name]![i]!.includes(String(row.id))).length / K;
        }
        entry[`${name}P50Ms`] = round(median(ms));
        entry[`${name}Recall`] = round(recall / vectors.length, 3);
      }
      log(JSON.stringify(entry));
      report.push(entry);
    }
  }
  store.close();
} finally {
  await dir.remove();
}
if (out !== '-') await writeFile(out, JSON.stringify(report, null, 1));
