import { UsageError } from '../errors.js';
import { planSummaryVectors } from './build.js';
import { IndexSession, addReport, type SessionOptions } from './session.js';
import type { BackendOptions } from '../backend.js';
import type { PollSettings } from '../batch/index.js';

export interface CollectOptions {
  index: string;
  waitForLock?: boolean;
  backend?: BackendOptions;
  poll?: Partial<PollSettings>;
  /** false: load what has finished and return without waiting for the rest. */
  wait?: boolean;
  onEvent?: SessionOptions['onEvent'];
}

export interface CollectSummary {
  index: string;
  backend: string;
  loadedJobs: number;
  submittedJobs: number;
  stored: number;
  retried: number;
  failedChunks: number;
  pendingJobs: number;
  seconds: number;
}

/** Waits for the jobs an earlier `build --no-wait` left, and loads their results. */
export async function collect(options: CollectOptions): Promise<CollectSummary> {
  const started = performance.now();
  const session = await IndexSession.open({ ...options, command: 'gbi collect', write: true });
  try {
    const meta = await session.store.readMeta();
    if (!meta) throw new UsageError(`no gbi index at ${options.index}; run gbi build first`);
    await session.store.prepare(meta.dims);
    await session.loadCatalogHashes();
    const wait = options.wait ?? true;
    const report = await session.runJobs(meta.dims, wait);
    // Summaries that arrived are embedded now, as a build would, so --docs sees them.
    if (wait && report.loadedJobs > 0 && (await planSummaryVectors(session, meta.fingerprint, meta.model, meta.dims)) > 0) {
      addReport(report, await session.runJobs(meta.dims, wait));
    }
    if (report.loadedJobs > 0) await session.store.maintain();
    return {
      index: options.index,
      backend: session.backend.label,
      loadedJobs: report.loadedJobs,
      submittedJobs: report.submittedJobs,
      stored: report.stored,
      retried: report.retried,
      failedChunks: session.failedChunks,
      pendingJobs: report.pendingJobs,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await session.close();
  }
}
