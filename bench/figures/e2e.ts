/**
 * P7 end-to-end offline build of the corpus against LangChain.js index(), and the cost figure.
 *
 *   node --import tsx bench/figures/e2e.ts <result.json> [root] [keep-index-at]
 *
 * With keep-index-at, gbi's index is built there and kept (P3 rebuilds it in a fresh process).
 *
 * gbi: build() from the library, default offline backend (no key, no endpoint, no GBI_* variables:
 * the in-process emulator with its default latency and gbi's default polling), timed in this process.
 * LangChain: bench/peers/langchain-index.ts in its own process over the same files (see there).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { estimateTokens } from '../../src/chunk/index.js';
import { readDocument, walkFiles } from '../../src/crawl/index.js';
import { build, type BuildSummary } from '../../src/pipeline/build.js';
import { estimateCost } from '../../src/pricing.js';
import { SECRET_FILE_EXCLUDES } from '../../src/pipeline/build.js';
import { IndexStore } from '../../src/store/index.js';
import { K8S, REPO, type Figure, log, now, offlineEnv, resultPath, round, runScript, tempDir } from '../lib/common.js';
import { PhaseClock } from '../lib/phases.js';

const out = resultPath();
const root = process.argv[3] || K8S;
const keepIndexAt = process.argv[4];
const DIMS = 768;

interface LangChainResult {
  totalMs: number;
  readMs: number;
  splitMs: number;
  indexMs: number;
  files: number;
  chunks: number;
  sentTexts: number;
  tokens: number;
  rows: number;
  result: Record<string, number>;
  splitter: Record<string, unknown>;
  maxRssBytes: number;
}

const work = await tempDir('e2e');
try {
  // The files gbi indexes (what it reads and does not skip), for LangChain to index the same.
  const files: string[] = [];
  for await (const item of walkFiles(root, { exclude: SECRET_FILE_EXCLUDES })) {
    if (item.kind !== 'file') continue;
    const result = await readDocument(item.entry);
    if (result.kind === 'document') files.push(result.document.path);
  }

  // ---- P7, gbi side
  const index = keepIndexAt ?? join(work.path, 'gbi-index');
  const clock = new PhaseClock();
  let mark = now();
  const summary: BuildSummary = await build({ root, index, dims: DIMS, onEvent: clock.onEvent });
  const gbiMs = now() - mark;
  const phases = clock.finish();
  log(`P7 gbi build: ${round(gbiMs / 1000, 1)} s, ${summary.chunks.stored} rows, ${summary.requests} requests; phases ${JSON.stringify(phases)}`);

  // Title tokens: RETRIEVAL_DOCUMENT requests carry the document title too, which the estimate leaves out.
  const store = await IndexStore.open(index);
  const titles = new Map<string, string>();
  for (const doc of (await store.catalog()).values()) titles.set(doc.path, doc.title);
  const keyTitleTokens = new Map<string, number>();
  for await (const batch of store.chunks.query().select(['key', 'path'])) {
    for (const row of batch.toArray()) keyTitleTokens.set(String(row.key), estimateTokens(titles.get(String(row.path)) ?? ''));
  }
  store.close();
  const titleTokens = [...keyTitleTokens.values()].reduce((sum, tokens) => sum + tokens, 0);

  // ---- P7, LangChain side
  const lcInput = join(work.path, 'langchain-input.json');
  await writeFile(lcInput, JSON.stringify({ root, files, dims: DIMS, index: join(work.path, 'langchain-index') }));
  if (!existsSync(join(REPO, 'bench/peers/node_modules/@langchain/core'))) throw new Error('bench/peers is not installed (npm ci --prefix bench/peers)');
  const lc = await runScript<LangChainResult>('bench/peers/langchain-index.ts', [lcInput], { env: offlineEnv() });
  log(`P7 LangChain index(): ${round(lc.result.totalMs / 1000, 1)} s (read ${round(lc.result.readMs)} ms, split ${round(lc.result.splitMs)} ms), ${lc.result.chunks} chunks, ${lc.result.tokens} tokens`);

  const p7Ratio = gbiMs / lc.result.totalMs;
  const p7: Figure = {
    id: 'P7',
    name: 'end-to-end offline build of the corpus',
    measured: `gbi build ${round(gbiMs / 1000, 1)} s`,
    baseline: `LangChain index() ${round(lc.result.totalMs / 1000, 1)} s`,
    ratio: p7Ratio,
    goal: '<= 0.5x',
    pass: p7Ratio <= 0.5,
    details: {
      files: files.length,
      gbi: {
        ms: round(gbiMs),
        phasesMs: phases,
        rows: summary.chunks.stored,
        planned: summary.chunks.planned,
        embedded: summary.chunks.toEmbed,
        jobs: summary.jobs,
        skipped: summary.skipped,
      },
      langchain: { ...lc.result, processWallMs: round(lc.wallMs), peakRssMB: round((lc.maxRssBytes ?? lc.result.maxRssBytes) / 1e6, 1) },
      method:
        'gbi: build({root, index, dims 768}) in a fresh process with the default offline backend (in-process emulator, default 50 ms job latency, ' +
        'default polling from 2 s), wall time of the call; phases from its events. LangChain: index() over the same files (read as UTF-8 inside ' +
        'the timed part), RecursiveCharacterTextSplitter defaults (1000/200 chars), InMemoryRecordManager, cleanup incremental by source, ' +
        "@langchain/community LanceDB store (same @lancedb/lancedb 0.37.1), an Embeddings subclass calling gbi's hashEmbed(text, 768) in-process.",
    },
  };

  const gbiCost = summary.cost ?? estimateCost(summary.model, summary.estimatedTokens)!;
  const lcCost = estimateCost(summary.model, lc.result.tokens)!;
  const costRatio = gbiCost.batchUsd / lcCost.interactiveUsd;
  const withTitles = estimateCost(summary.model, summary.estimatedTokens + titleTokens)!;
  const cost: Figure = {
    id: 'COST',
    name: 'cost of a full build of the corpus',
    measured: `gbi ${summary.estimatedTokens.toLocaleString('en-US')} tokens at batch price = $${round(gbiCost.batchUsd, 4)}`,
    baseline: `LangChain ${lc.result.tokens.toLocaleString('en-US')} tokens at interactive = $${round(lcCost.interactiveUsd, 4)}`,
    ratio: costRatio,
    goal: '<= 0.5x',
    pass: costRatio <= 0.5,
    details: {
      gbiTokens: summary.estimatedTokens,
      gbiRequests: summary.chunks.toEmbed,
      gbiBatchUsd: gbiCost.batchUsd,
      langchainTokens: lc.result.tokens,
      langchainRequests: lc.result.sentTexts,
      langchainInteractiveUsd: lcCost.interactiveUsd,
      tokenRatio: summary.estimatedTokens / lc.result.tokens,
      pricesAsOf: gbiCost.pricesAsOf,
      sensitivity: {
        gbiTitleTokens: titleTokens,
        ratioIfTitlesAreBilled: withTitles.batchUsd / lcCost.interactiveUsd,
      },
      method:
        "Both counted with src/chunk estimateTokens. gbi: the build summary's estimatedTokens (distinct chunk keys it sent), priced by " +
        "estimateCost at the batch price. LangChain: every text its index() passed to embedDocuments, priced at the interactive price. " +
        'Sensitivity: RETRIEVAL_DOCUMENT requests also carry the document title, which the estimate leaves out.',
    },
  };

  await writeFile(out, JSON.stringify([p7, cost]));
} finally {
  await work.remove();
}
