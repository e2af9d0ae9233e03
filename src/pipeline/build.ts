import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { BackendOptions } from '../backend.js';
import { failpoint, planJobs, readRequestKeys, type JobKind, type Ledger, type PollSettings, type PreparedRequest, type SubmitLimits } from '../batch/index.js';
import { DEFAULT_CHUNKER_SETTINGS, documentTitle, estimateTokens, fingerprintOf, type ChunkerSettings } from '../chunk/index.js';
import { readDocuments, walkFiles, type FileEntry, type SkippedFile } from '../crawl/index.js';
import { keysToEmbed, planByContent, planByStat, type CatalogEntry } from '../plan/index.js';
import { estimateCost, type CostEstimate } from '../pricing.js';
import { SUMMARY_CHUNK, localIndexPath, sameVersions, stateDirOf, type DocumentRow, type IndexMeta, type IndexStore } from '../store/index.js';
import { DEFAULT_SUMMARY_MODEL, summaryFingerprint, summaryRequest, type SummarySource } from '../summary/index.js';
import { DOCUMENT_TASK, embedRequest, embeddingKey, pendingRow, type PlannedChunk, type PlannedDocument } from './document-plan.js';
import { prepareDocuments } from './prepare.js';
import { IndexSession, addReport, emptyReport, type SessionEvent } from './session.js';

export { DOCUMENT_TASK, embeddingKey } from './document-plan.js';

export const DEFAULT_MODEL = 'gemini-embedding-001';
export const DEFAULT_DIMS = 768;
/**
 * Files that usually hold credentials are never sent to an API by default; a user who passes
 * --include takes over what is indexed.
 */
export const SECRET_FILE_EXCLUDES = ['**/.env', '**/.env.*', '**/*.pem', '**/*.key', '**/id_rsa*', '**/id_ed25519*', '**/.npmrc', '**/.netrc'];

export interface BuildOptions {
  /** The folder to index. */
  root: string;
  /** A local folder or any URI LanceDB accepts. */
  index: string;
  model?: string;
  dims?: number;
  include?: string[];
  exclude?: string[];
  chunker?: Partial<ChunkerSettings>;
  limits?: Partial<SubmitLimits>;
  /** false: submit and return; `collect` or the next build loads the results. */
  wait?: boolean;
  /** Plan and estimate only: nothing is submitted or written. */
  dryRun?: boolean;
  /** Wait for another build holding the index lock instead of failing. */
  waitForLock?: boolean;
  /** Submit again the chunks of jobs that were cancelled (otherwise they stay out). */
  resubmitCancelled?: boolean;
  /** Summarize new and changed documents (and any still without a summary) through a generation batch. */
  summaries?: boolean;
  summaryModel?: string;
  backend?: BackendOptions;
  poll?: Partial<PollSettings>;
  maxAttempts?: number;
  splitAbove?: number;
  onEvent?: (event: BuildEvent) => void;
}

export type BuildEvent =
  | SessionEvent
  | { type: 'reset'; reason: string }
  | { type: 'phase'; phase: 'collect' | 'crawl' | 'plan' | 'submit' | 'wait' | 'optimize' }
  | { type: 'reading'; total: number }
  | { type: 'crawled'; path: string; skipped?: string };

export interface BuildSummary {
  root: string;
  index: string;
  backend: string;
  model: string;
  dims: number;
  fingerprint: string;
  dryRun: boolean;
  files: { seen: number; unchanged: number; changed: number; touched: number; deleted: number; skipped: number };
  skipped: SkippedFile[];
  chunks: {
    /** Chunks of new and changed documents. */
    planned: number;
    /** Of those, how many already had a vector (identical text elsewhere, or an unchanged part). */
    reused: number;
    /** Distinct keys submitted for embedding in this run. */
    toEmbed: number;
    /** Chunks that could not be embedded after every attempt; their files are tried again next build. */
    failed: number;
    /** Chunks left out because their job was cancelled; `--resubmit-cancelled` sends them again. */
    cancelled: number;
    /** Rows in the index at the end. */
    stored: number;
  };
  summaries?: {
    model: string;
    /** Documents whose summary was requested in this run. */
    requested: number;
    stored: number;
    /** Invalid output or failed requests: recorded on the document and asked again next build. */
    failed: number;
    estimatedTokens: number;
  };
  /** Embedding requests sent, retries included. */
  requests: number;
  jobs: number;
  pendingJobs: number;
  estimatedTokens: number;
  cost?: CostEstimate;
  seconds: number;
}

/**
 * Brings the index up to date with the folder: collects jobs an earlier run left, plans what is new,
 * changed or gone, embeds only chunk keys with no vector, and loads the results.
 */
export async function build(options: BuildOptions): Promise<BuildSummary> {
  const started = performance.now();
  const model = options.model ?? DEFAULT_MODEL;
  const dims = options.dims ?? DEFAULT_DIMS;
  const chunker: ChunkerSettings = { ...DEFAULT_CHUNKER_SETTINGS, ...options.chunker };
  const emit = options.onEvent ?? (() => {});
  const root = resolve(options.root);
  const write = !options.dryRun;
  const wait = options.wait ?? true;
  const ignoreDirs = [localIndexPath(options.index), stateDirOf(options.index)].filter((dir): dir is string => dir !== undefined);
  const exclude = [...(options.include ? [] : SECRET_FILE_EXCLUDES), ...(options.exclude ?? [])];
  const startWalk = async () => {
    const walked = { entries: [] as FileEntry[], skipped: [] as SkippedFile[] };
    for await (const item of walkFiles(root, { include: options.include, exclude, ignoreDirs })) {
      if (item.kind === 'file') walked.entries.push(item.entry);
      else walked.skipped.push(item.skipped);
    }
    return walked;
  };
  // The folder is walked while the index is opened and read. A walk that may be out of date by the
  // time it is used is dropped, and the folder walked afresh: after waiting for another build's lock,
  // or when there are jobs to collect first (which may take hours).
  let walking: ReturnType<typeof startWalk> | undefined = startWalk();
  walking.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
  let waitedForLock = false;
  const onEvent = (event: BuildEvent) => {
    if (event.type === 'lock-wait') waitedForLock = true;
    emit(event);
  };
  const session = await IndexSession.open({ ...options, command: 'gbi build', write, onEvent });
  try {
    const { store, ledger, pending, backend } = session;
    if (waitedForLock || (write && ledger.jobs.length > 0)) walking = undefined;
    const fingerprint = combinedFingerprint(fingerprintOf({ model, dims, taskType: DOCUMENT_TASK, chunker }), backend.embedder);
    const meta = await store.readMeta();
    if (write && meta && meta.fingerprint !== fingerprint) {
      emit({ type: 'reset', reason: resetReason(meta, { model, dims, embedder: backend.embedder }) });
      await store.reset(dims);
      pending.dropAll();
      await pending.save();
      await ledger.dropKind('embed');
    } else if (write) {
      await store.prepare(dims);
    }
    const catalog = meta && meta.fingerprint !== fingerprint ? new Map<string, DocumentRow>() : await session.loadCatalogHashes();
    const report = emptyReport();
    if (write && options.resubmitCancelled) await ledger.clearCancelled();
    if (write && ledger.jobs.length > 0) {
      emit({ type: 'phase', phase: 'collect' });
      addReport(report, await session.runJobs(dims, wait));
    }

    emit({ type: 'phase', phase: 'crawl' });
    walking ??= startWalk();
    // Rows are counted per document to find ones a failure or crash left incomplete, unless the index
    // was recorded complete at the tables' current versions. The walk and the counts run side by side.
    const knownComplete = sameVersions(meta?.complete, await store.tableVersions());
    const [{ entries, skipped }, storedCounts] = await Promise.all([walking, knownComplete ? undefined : store.storedChunkCounts()]);
    const catalogEntries = new Map<string, CatalogEntry>(
      [...catalog.values()].map((doc) => [
        doc.path,
        { path: doc.path, hash: doc.hash, size: doc.size, mtimeMs: doc.mtime_ms, complete: !storedCounts || (storedCounts.get(doc.path) ?? 0) === doc.chunk_count },
      ]),
    );
    const byStat = planByStat(entries, catalogEntries);

    emit({ type: 'phase', phase: 'plan' });
    emit({ type: 'reading', total: byStat.toRead.length });
    const documents: PlannedDocument[] = [];
    for await (const result of prepareDocuments(byStat.toRead, { fingerprint, model, dims, chunker })) {
      if (result.kind === 'skipped') {
        skipped.push(result.skipped);
        emit({ type: 'crawled', path: result.skipped.path, skipped: result.skipped.reason });
        continue;
      }
      emit({ type: 'crawled', path: result.document.path });
      documents.push(result.document);
    }
    // A file that became unreadable or binary leaves the index like a deleted one.
    const skippedPaths = new Set(skipped.map((file) => file.path));
    const deleted = [...byStat.deleted, ...[...catalog.keys()].filter((path) => skippedPaths.has(path))];
    // Rows of a path the catalog never took in: results collected for a build that died before
    // recording its documents. Their vectors are reused below; the rows themselves are redone.
    const orphans = [...(storedCounts?.keys() ?? [])].filter((path) => !catalog.has(path));
    const byContent = planByContent(documents, catalogEntries);
    const planned = byContent.changed.flatMap((doc) => doc.chunks);
    const vectors = await store.vectorsFor(planned.map((chunk) => chunk.key));
    const summaryModel = options.summaryModel ?? DEFAULT_SUMMARY_MODEL;
    const summaryPrint = summaryFingerprint(summaryModel);
    const summaryRequests = options.summaries
      ? await summaryRequestsFor(summaryPrint, byContent.changed, catalog, byStat.unchanged, byContent.touched, await keysInFlight(ledger, 'summary'))
      : [];
    const held = await keysInFlight(ledger, 'embed');
    for (const key of ledger.cancelledKeys) held.add(key);
    const toEmbed = keysToEmbed(byContent.changed, new Set(vectors.keys()), held);
    const estimatedTokens = toEmbed.reduce((sum, chunk) => sum + chunk.tokens, 0);

    const summary: BuildSummary = {
      root,
      index: options.index,
      backend: backend.label,
      model,
      dims,
      fingerprint,
      dryRun: !write,
      files: {
        seen: entries.length,
        unchanged: byStat.unchanged.length,
        changed: byContent.changed.length,
        touched: byContent.touched.length,
        deleted: deleted.length,
        skipped: skipped.length,
      },
      skipped,
      chunks: {
        planned: planned.length,
        reused: planned.filter((chunk) => vectors.has(chunk.key)).length,
        toEmbed: toEmbed.length,
        failed: 0,
        cancelled: planned.filter((chunk) => ledger.cancelledKeys.has(chunk.key) && !vectors.has(chunk.key)).length,
        stored: 0,
      },
      ...(options.summaries
        ? {
            summaries: {
              model: summaryModel,
              requested: summaryRequests.length,
              stored: 0,
              failed: 0,
              estimatedTokens: summaryRequests.reduce((sum, request) => sum + request.tokens, 0),
            },
          }
        : {}),
      requests: toEmbed.length,
      jobs: 0,
      pendingJobs: 0,
      estimatedTokens,
      cost: estimateCost(model, estimatedTokens),
      seconds: 0,
    };
    if (!write) {
      summary.chunks.stored = await store.countChunks();
      summary.seconds = (performance.now() - started) / 1000;
      return summary;
    }

    emit({ type: 'phase', phase: 'submit' });
    // Order matters for crash safety: what is owed is recorded (pending rows, ledger) before the
    // catalog says the new version is in; a crash in between only makes the next run plan it again.
    const changedPaths = new Set(byContent.changed.map((doc) => doc.path));
    pending.dropPaths(new Set([...changedPaths, ...deleted]));
    pending.add(planned.filter((chunk) => !vectors.has(chunk.key)).map(pendingRow));
    await pending.save();
    await planJobs(ledger, 'embed', model, toEmbed.map((chunk) => embedRequest(chunk, dims)), session.limits);
    await store.deleteDocuments(deleted);
    await store.deleteChunksOf([...new Set([...changedPaths, ...orphans])]);
    failpoint('rows-deleted');
    await store.upsertChunks(
      planned.filter((chunk) => vectors.has(chunk.key)).map((chunk) => ({ ...pendingRow(chunk), vector: vectors.get(chunk.key)! })),
    );
    await store.upsertDocuments([
      ...byContent.changed.map((doc) => documentRow(doc, catalog.get(doc.path))),
      ...byContent.touched.map((doc) => ({ ...catalog.get(doc.path)!, size: doc.source.size, mtime_ms: doc.source.mtimeMs })),
    ]);
    for (const doc of byContent.changed) session.currentHash.set(doc.path, doc.sha256);
    for (const path of deleted) session.currentHash.delete(path);
    // Summaries land on catalogued documents by hash, so they are asked for only once the catalog has them.
    await planJobs(ledger, 'summary', summaryModel, summaryRequests, session.limits);
    // A no-op rebuild writes nothing: no new table version, no compaction.
    const changedIndex = byContent.changed.length + byContent.touched.length + deleted.length + orphans.length > 0;
    let currentMeta = meta?.fingerprint === fingerprint ? meta : undefined;
    if (changedIndex || !currentMeta) {
      currentMeta = { model, dims, fingerprint, embedder: backend.embedder, lastBuild: new Date().toISOString() };
      await store.writeMeta(currentMeta);
    }

    emit({ type: 'phase', phase: 'wait' });
    addReport(report, await session.runJobs(dims, wait));
    // A summary that arrived (now, or in an earlier run) is embedded like a chunk, to rank whole documents.
    const summariesMayHaveArrived = options.summaries || report.loadedJobs > 0;
    if (wait && summariesMayHaveArrived && (await planSummaryVectors(session, fingerprint, model, dims)) > 0) {
      addReport(report, await session.runJobs(dims, wait));
    }

    if (changedIndex || report.loadedJobs > 0) {
      emit({ type: 'phase', phase: 'optimize' });
      await store.maintain();
    }
    await recordCompleteness(store, currentMeta);
    summary.chunks.failed = session.failedChunks;
    if (summary.summaries) Object.assign(summary.summaries, { stored: session.summarized, failed: session.failedSummaries });
    summary.chunks.stored = await store.countChunks();
    summary.jobs = report.submittedJobs;
    summary.pendingJobs = report.pendingJobs;
    summary.requests = toEmbed.length + report.retried;
    summary.seconds = (performance.now() - started) / 1000;
    return summary;
  } finally {
    await session.close();
  }
}

/**
 * Records the table versions at which every catalogued document has all its rows and no row lacks its
 * document, for the next rebuild to skip counting. Writes nothing while the record still holds.
 */
async function recordCompleteness(store: IndexStore, meta: IndexMeta): Promise<void> {
  const versions = await store.tableVersions();
  if (!versions || sameVersions(meta.complete, versions)) return;
  const [catalog, counts] = await Promise.all([store.catalog(), store.storedChunkCounts()]);
  const complete =
    [...counts.keys()].every((path) => catalog.has(path)) && [...catalog.values()].every((doc) => (counts.get(doc.path) ?? 0) === doc.chunk_count);
  if (complete) await store.writeMeta({ ...meta, complete: versions });
}

function combinedFingerprint(settings: string, embedder: string): string {
  return createHash('sha256').update(`${settings}\u0000${embedder}`).digest('hex').slice(0, 16);
}

function documentRow(doc: PlannedDocument, previous: DocumentRow | undefined): DocumentRow {
  const sameVersion = previous?.hash === doc.sha256;
  return {
    path: doc.path,
    hash: doc.sha256,
    size: doc.source.size,
    mtime_ms: doc.source.mtimeMs,
    chunk_count: doc.chunks.length,
    title: doc.title,
    encoding: doc.source.encoding,
    // A summary describes one version of a document; a new version waits for its own.
    summary: sameVersion ? previous.summary : '',
    keywords: sameVersion ? previous.keywords : '',
    summary_error: '',
  };
}

async function keysInFlight(ledger: Ledger, kind: JobKind): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const entry of ledger.jobs.filter((job) => job.kind === kind)) {
    for await (const key of readRequestKeys(join(ledger.workDir, entry.requestFile))) keys.add(key);
  }
  return keys;
}

function resetReason(meta: IndexMeta, now: { model: string; dims: number; embedder: string }): string {
  const changes: string[] = [];
  if (meta.model !== now.model) changes.push(`model ${meta.model} → ${now.model}`);
  if (meta.dims !== now.dims) changes.push(`dims ${meta.dims} → ${now.dims}`);
  if (meta.embedder !== now.embedder) changes.push(`embedder ${meta.embedder} → ${now.embedder}`);
  if (changes.length === 0) changes.push('chunker settings changed');
  return `${changes.join(', ')}: every chunk is embedded again`;
}

/**
 * New and changed documents, and unchanged ones still without a summary (a summary failed, or
 * summaries were just switched on), one request per distinct content, leaving out those on their way.
 */
async function summaryRequestsFor(
  fingerprint: string,
  changed: readonly PlannedDocument[],
  catalog: ReadonlyMap<string, DocumentRow>,
  unchanged: readonly FileEntry[],
  touched: readonly PlannedDocument[],
  inFlight: ReadonlySet<string>,
): Promise<PreparedRequest[]> {
  const sources: SummarySource[] = changed.map((doc) => ({ path: doc.path, sha256: doc.sha256, title: doc.title, text: doc.source.text }));
  const lacking = (path: string) => !catalog.get(path)?.summary;
  for (const doc of touched.filter((doc) => lacking(doc.path))) {
    sources.push({ path: doc.path, sha256: doc.sha256, title: doc.title, text: doc.source.text });
  }
  for await (const result of readDocuments(unchanged.filter((entry) => lacking(entry.path)))) {
    if (result.kind === 'document') {
      const { document } = result;
      sources.push({ path: document.path, sha256: document.sha256, title: documentTitle(document) ?? '', text: document.text });
    }
  }
  const requests = new Map<string, PreparedRequest>();
  for (const source of sources) {
    const request = summaryRequest(fingerprint, source);
    if (!inFlight.has(request.key)) requests.set(request.key, request);
  }
  return [...requests.values()];
}

/** Plans the embedding of every summary that has no summary row for its document version yet. */
export async function planSummaryVectors(session: IndexSession, fingerprint: string, model: string, dims: number): Promise<number> {
  const { store, pending, ledger } = session;
  const rows = await store.summaryRows();
  const wanted: PlannedChunk[] = [];
  for (const doc of (await store.catalog()).values()) {
    if (!doc.summary || rows.get(doc.path) === doc.hash) continue;
    wanted.push({
      id: `${doc.path}#summary`,
      key: embeddingKey(fingerprint, doc.title, doc.summary),
      path: doc.path,
      chunk: SUMMARY_CHUNK,
      start_line: 1,
      end_line: 1,
      heading: 'Summary',
      text: doc.summary,
      tokens: estimateTokens(doc.summary),
      model,
      doc_hash: doc.hash,
      title: doc.title || undefined,
    });
  }
  if (wanted.length === 0) return 0;
  const vectors = await store.vectorsFor(wanted.map((row) => row.key));
  const inFlight = await keysInFlight(ledger, 'embed');
  pending.add(wanted.filter((row) => !vectors.has(row.key)).map(pendingRow));
  await pending.save();
  const toEmbed = new Map(wanted.filter((row) => !vectors.has(row.key) && !inFlight.has(row.key)).map((row) => [row.key, row]));
  const jobs = await planJobs(ledger, 'embed', model, [...toEmbed.values()].map((row) => embedRequest(row, dims)), session.limits);
  await store.upsertChunks(wanted.filter((row) => vectors.has(row.key)).map((row) => ({ ...pendingRow(row), vector: vectors.get(row.key)! })));
  return jobs.length;
}
