import type { BackendOptions } from '../backend.js';
import { fetchJobStatus, Ledger, type BatchState, type BatchStats, type JobKind, type LedgerStep } from '../batch/index.js';
import { IndexStore, PendingChunks, readLockHolder, stateDirOf, type IndexMeta, type LockHolder } from '../store/index.js';
import { openIndexBackend } from './session.js';

export interface JobView {
  id: string;
  kind: JobKind;
  name?: string;
  input: 'inline' | 'file';
  step: LedgerStep;
  attempt: number;
  requests: number;
  estimatedTokens: number;
  /** Live from the service when it could be reached; else the last recorded state. */
  state?: BatchState;
  stats?: BatchStats;
  error?: string;
  createdAt: string;
}

export interface StatusReport {
  index: string;
  exists: boolean;
  meta?: IndexMeta;
  documents: number;
  chunks: number;
  /** Chunk rows planned and waiting for a job's vectors. */
  pendingChunks: number;
  /** Distinct chunk keys held back because their job was cancelled. */
  cancelledKeys: number;
  jobs: JobView[];
  lock?: LockHolder;
  /** Why live job states could not be read, if they could not. */
  liveError?: string;
}

/** What the index holds and what is on its way; reads only, takes no lock. */
export async function status(options: { index: string; backend?: BackendOptions; live?: boolean }): Promise<StatusReport> {
  const stateDir = stateDirOf(options.index);
  const store = await IndexStore.open(options.index);
  try {
    const ledger = await Ledger.open(stateDir);
    const report: StatusReport = {
      index: options.index,
      exists: store.exists,
      meta: await store.readMeta(),
      documents: await store.countDocuments(),
      chunks: await store.countChunks(),
      pendingChunks: await countPendingChunks(stateDir),
      cancelledKeys: ledger.cancelledKeys.size,
      jobs: ledger.jobs.map((job) => ({
        id: job.id,
        kind: job.kind,
        name: job.name,
        input: job.input,
        step: job.step,
        attempt: job.attempt,
        requests: job.requestCount,
        estimatedTokens: job.estimatedTokens,
        state: job.state,
        error: job.error,
        createdAt: job.createdAt,
      })),
      lock: await readLockHolder(stateDir),
    };
    const submitted = report.jobs.filter((job) => job.name);
    if (submitted.length > 0 && options.live !== false) {
      const backend = await openIndexBackend(options.index, options.backend);
      try {
        for (const job of submitted) {
          const live = await fetchJobStatus(backend.access, job.name!);
          Object.assign(job, { state: live.state, stats: live.stats, error: live.error ?? job.error });
        }
      } catch (error) {
        report.liveError = (error as Error).message;
      } finally {
        await backend.close();
      }
    }
    return report;
  } finally {
    store.close();
  }
}

async function countPendingChunks(stateDir: string): Promise<number> {
  const pending = await PendingChunks.open(stateDir);
  await pending.close();
  return pending.size;
}
