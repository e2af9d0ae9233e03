/**
 * P2 load: a finished emulator job's result JSONL streamed into LanceDB through the product's path
 * (IndexSession.runJobs → runJobs → readResults → the session's chunk sink → IndexStore.rememberVectors
 * and upsertChunks), against `table.add` of the same rows already parsed, at 768 and 3072 dims.
 * Then the peak RSS of a child process loading a result file of 1 GB or more.
 *
 *   node --import tsx bench/figures/load.ts <result.json> [lines768] [lines3072] [rssBytes]
 *
 * rssBytes 0 leaves the RSS part out (for quick throughput runs), lines 0 a throughput case; the
 * figure then does not pass. The RSS part sizes its file from the 3072-dim case, so it needs lines3072.
 */
import { cp, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { readJsonLines, resultFileName, Ledger } from '../../src/batch/index.js';
import { openBackend } from '../../src/backend.js';
import { startEmulator } from '../../src/emulator/index.js';
import { IndexSession, storedVector } from '../../src/pipeline/session.js';
import { chunksSchema, PendingChunks, stateDirOf, type ChunkRow } from '../../src/store/index.js';
import { corpusTexts, stageFinishedJob } from '../lib/load-setup.js';
import { K8S, type Figure, log, mb, now, resultPath, round, runScript, tempDir, offlineEnv } from '../lib/common.js';

const out = resultPath();
const lines768 = Number(process.argv[3] ?? 15_000);
const lines3072 = Number(process.argv[4] ?? 5_000);
const rssTargetBytes = Number(process.argv[5] ?? 1.05e9);

const emulator = await startEmulator({ latencyMs: 0 });
const backend = await openBackend({ endpoint: emulator.url });

interface Case {
  dims: number;
  lines: number;
  fileBytes: number;
  productMs: number;
  openMs: number;
  baselineMs: number;
  productRowsPerSec: number;
  baselineRowsPerSec: number;
  ratio: number;
  rowsStored: number;
  baselineRows: number;
  productRunsMs: number[];
  baselineRunsMs: number[];
  openRunsMs: number[];
}

const REPS = 3;

async function throughputCase(dims: number, lines: number, texts: readonly string[]): Promise<Case> {
  const dir = await tempDir(`p2-${dims}`);
  try {
    const staged = join(dir.path, 'staged');
    const job = await stageFinishedJob(staged, emulator.url, dims, texts.slice(0, lines));
    // The result file is downloaded ahead, where readResults looks for a finished download: the timed
    // part is the parse, the sink and the LanceDB writes, not loopback HTTP.
    const ledger = await Ledger.open(stateDirOf(staged));
    const resultPathOnDisk = join(ledger.workDir, resultFileName(job.entry));
    const remote = await backend.ai.batches.get({ name: job.entry.name! });
    await backend.ai.files.download({ file: remote.dest!.fileName!, downloadPath: resultPathOnDisk });
    const fileBytes = (await stat(resultPathOnDisk)).size;
    // Loading consumes the staged state, so each product run gets its own copy of it.
    for (let rep = 0; rep < REPS; rep++) await cp(staged, join(dir.path, `index-${rep}`), { recursive: true });

    // Baseline rows, parsed and joined to their pending rows before the clock starts.
    const pending = await PendingChunks.open(stateDirOf(staged));
    const byKey = new Map<string, ChunkRow[]>();
    for await (const { value } of readJsonLines(resultPathOnDisk)) {
      const record = value as { key: string; response: { embedding: { values: number[] } } };
      if (byKey.has(record.key)) continue;
      const vector = storedVector(record.response.embedding.values, new Float32Array(dims));
      byKey.set(record.key, (pending.take([record.key]).get(record.key) ?? []).map((row) => ({ ...row, vector })));
    }
    await pending.close();
    const rows = [...byKey.values()].flat();

    const baselineRuns: number[] = [];
    const productRuns: number[] = [];
    const openRuns: number[] = [];
    let baselineRows = 0;
    let rowsStored = 0;
    for (let rep = 0; rep < REPS; rep++) {
      const db = await lancedb.connect(join(dir.path, `baseline-${rep}`));
      const table = await db.createEmptyTable('chunks', chunksSchema(dims));
      let mark = now();
      await table.add(rows as unknown as Record<string, unknown>[]);
      baselineRuns.push(now() - mark);
      baselineRows = await table.countRows();
      table.close();
      db.close();

      const index = join(dir.path, `index-${rep}`);
      mark = now();
      const session = await IndexSession.open({ index, command: 'gbi bench (load)', write: true, backend: { endpoint: emulator.url }, limits: { input: 'file' } });
      openRuns.push(now() - mark);
      try {
        mark = now();
        await session.runJobs(dims, true);
        productRuns.push(now() - mark);
        rowsStored = await session.store.countChunks();
      } finally {
        await session.close();
      }
      if (rowsStored !== lines) throw new Error(`the load stored ${rowsStored} rows, expected ${lines}`);
    }
    const productMs = Math.min(...productRuns);
    const baselineMs = Math.min(...baselineRuns);
    const productRowsPerSec = lines / (productMs / 1000);
    const baselineRowsPerSec = baselineRows / (baselineMs / 1000);
    const result: Case = {
      dims,
      lines,
      fileBytes,
      productMs: round(productMs),
      openMs: round(Math.min(...openRuns)),
      baselineMs: round(baselineMs),
      productRowsPerSec: round(productRowsPerSec),
      baselineRowsPerSec: round(baselineRowsPerSec),
      ratio: productRowsPerSec / baselineRowsPerSec,
      rowsStored,
      baselineRows,
      productRunsMs: productRuns.map((ms) => round(ms)),
      baselineRunsMs: baselineRuns.map((ms) => round(ms)),
      openRunsMs: openRuns.map((ms) => round(ms)),
    };
    log(`P2 ${dims} dims, ${lines} lines (${mb(fileBytes)} MB): product best ${round(productMs)} ms, table.add best ${round(baselineMs)} ms, ratio ${round(result.ratio, 3)}; IndexSession.open ${round(result.openMs)} ms`);
    return result;
  } finally {
    await dir.remove();
  }
}

const rssDims = 3072;
const texts = await corpusTexts(K8S, Math.max(lines768, lines3072));
const cases: Case[] = [];
if (lines768 > 0) cases.push(await throughputCase(768, lines768, texts));
if (lines3072 > 0) cases.push(await throughputCase(3072, lines3072, texts));

/** Peak RSS while loading a result file of at least rssTargetBytes, in a child process. */
async function rssCase(): Promise<Record<string, unknown>> {
  const sized = cases.find((c) => c.dims === rssDims);
  if (!sized) throw new Error(`the RSS part sizes its result file from the ${rssDims}-dim case: pass lines3072 > 0`);
  const bytesPerLine = sized.fileBytes / sized.lines;
  const rssLines = Math.ceil(rssTargetBytes / bytesPerLine);
  const rssDir = await tempDir('p2-rss');
  try {
    const index = join(rssDir.path, 'index');
    let mark = now();
    const staged = await stageFinishedJob(index, emulator.url, rssDims, await corpusTexts(K8S, rssLines));
    const stageMs = now() - mark;
    const job = await backend.ai.batches.get({ name: staged.entry.name! });
    const file = await backend.ai.files.get({ name: job.dest!.fileName! });
    const fileBytes = Number(file.sizeBytes);
    log(`P2 RSS: staged ${rssLines} lines at ${rssDims} dims, result file ${mb(fileBytes)} MB (${round(stageMs / 1000, 1)} s)`);
    mark = now();
    const child = await runScript<{ openMs: number; loadMs: number; rows: number; maxRssBytes: number; sampledPeakRssBytes: number; peaksMB: Record<string, number>; loadedAtMs?: number; peakAtMs: number; timeline: unknown[] }>(
      'bench/figures/load-child.ts',
      [index, emulator.url, String(rssDims)],
      { env: offlineEnv() },
    );
    const peak = child.maxRssBytes ?? child.result.maxRssBytes;
    log(`P2 RSS: loaded ${child.result.rows} rows in ${round(child.result.loadMs / 1000, 1)} s, peak RSS ${mb(peak)} MB`);
    return {
      dims: rssDims,
      lines: rssLines,
      fileBytes,
      rows: child.result.rows,
      loadMs: child.result.loadMs,
      openMs: child.result.openMs,
      childWallMs: round(child.wallMs),
      peakRssBytes: peak,
      peakRssMB: mb(peak),
      sampledPeakRssMB: mb(child.result.sampledPeakRssBytes),
      peaksMB: child.result.peaksMB,
      loadedAtMs: child.result.loadedAtMs,
      peakAtMs: child.result.peakAtMs,
      timeline: child.result.timeline,
      pass: peak <= 400e6 && fileBytes >= 1e9 && child.result.rows === rssLines,
    };
  } finally {
    await rssDir.remove();
  }
}
const rss = rssTargetBytes > 0 ? await rssCase() : undefined;

await emulator.close();
const worst = cases.reduce((a, b) => (b.ratio < a.ratio ? b : a));
const figure: Figure = {
  id: 'P2',
  name: 'load: result JSONL → LanceDB (runJobs → readResults → sink → rememberVectors + upsertChunks)',
  measured:
    cases.map((c) => `${c.dims}d ${round(c.productRowsPerSec, 0)} rows/s`).join(', ') +
    (rss ? `; peak RSS ${rss.peakRssMB} MB @ ${mb(rss.fileBytes as number)} MB file` : '; peak RSS not measured'),
  baseline: cases.map((c) => `${c.dims}d ${round(c.baselineRowsPerSec, 0)} rows/s`).join(', ') + ' (table.add of parsed rows)',
  ratio: worst.ratio,
  goal: '>= 0.7x; peak RSS <= 400 MB at >= 1 GB file',
  pass: cases.length === 2 && cases.every((c) => c.ratio >= 0.7) && rss?.pass === true,
  details: {
    cases,
    rss,
    method:
      'For each dims: N distinct ~2 KB corpus slices become pending chunk rows and one file-input embed job (planJobs), submitted through ' +
      'IndexSession.runJobs(wait=false) to an in-process emulator (latency 0) and left to finish. The result file is downloaded beforehand to ' +
      'where readResults reuses a finished download; timed: IndexSession.runJobs(dims, true) on a fresh session (one status poll, readResults ' +
      'streaming the JSONL, the chunk sink normalising and joining pending rows, IndexStore.rememberVectors and upsertChunks appending ' +
      'loadBatchRows(dims) rows a write, merging on id only rows whose id is already stored). ' +
      'Baseline: the same rows, parsed and joined beforehand, written with one table.add into an empty table of the same schema. ' +
      'Best of 3 for each (each product run on its own copy of the staged index). IndexSession.open (reads pending.jsonl) is timed apart. ' +
      'RSS: a child process (node --import tsx, /usr/bin/time -v) runs the whole load of a >= 1 GB 3072-dim result file, download included.',
  },
};
await writeFile(out, JSON.stringify(figure));
