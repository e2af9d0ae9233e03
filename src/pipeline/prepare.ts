// Reading and planning documents (read, decode, hash, chunk, key, request line) on worker threads.
// The threads serve every call of the process: they start on first use, stop after a second
// without work, and never keep the process alive while idle. The caller gets each document's plan
// in the entries' order.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { readDocuments, type FileEntry } from '../crawl/index.js';
import { startWorker } from '../threads/worker.js';
import { preparedFile, type DocumentPlanSettings, type PreparedFile } from './document-plan.js';
import { decodeBatch, encodeBatch, type WireBatch } from './prepare-wire.js';

export type ToPrepare = { job: number; batch: number; entries: readonly FileEntry[]; settings: DocumentPlanSettings };
export type FromPrepare = { job: number; batch: number; planned: WireBatch } | { job: number; batch: number; error: string };

export interface PrepareOptions {
  /**
   * Worker threads to prepare on; 0 prepares on the calling thread. Default: one per core up to
   * MAX_THREADS when there are two cores or more and the files add up to THREADS_MIN_BYTES.
   */
  threads?: number;
}

/** Below this many bytes in all, the calling thread is quicker than starting threads (~50 ms each). */
const THREADS_MIN_BYTES = 4 << 20;
/** More threads than this stop paying: the calling thread takes in every result. */
const MAX_THREADS = 4;
/** A thread is handed files in batches of about this many bytes (or BATCH_MAX_FILES files). */
const BATCH_BYTES = 256 << 10;
const BATCH_MAX_FILES = 64;
/** Batches handed to one thread before it has answered: the next is ready when it finishes one. */
const BATCHES_PER_THREAD = 2;
/** Batches prepared and not yet taken by the caller, at most: bounds the memory a slow caller costs. */
const MAX_BATCHES_AHEAD = 16;

/** Each file of `entries`, read and planned (or the reason it is skipped), in their order. */
export async function* prepareDocuments(
  entries: readonly FileEntry[],
  settings: DocumentPlanSettings,
  options: PrepareOptions = {},
): AsyncGenerator<PreparedFile> {
  const threads = options.threads ?? defaultThreads(entries);
  if (threads === 0) {
    // Through the same encoding as from a thread, so that both ways give the same plans.
    for await (const result of readDocuments(entries)) yield* decodeBatch(encodeBatch([preparedFile(result, settings)], settings.dims).batch, settings);
    return;
  }
  yield* prepareOnThreads(batchesOf(entries), settings, startedPool(threads));
}

function defaultThreads(entries: readonly FileEntry[]): number {
  const bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  const cores = availableParallelism();
  return cores > 1 && bytes >= THREADS_MIN_BYTES ? Math.min(cores, MAX_THREADS) : 0;
}

function batchesOf(entries: readonly FileEntry[]): FileEntry[][] {
  const batches: FileEntry[][] = [];
  let batch: FileEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    batch.push(entry);
    bytes += entry.size;
    if (bytes >= BATCH_BYTES || batch.length === BATCH_MAX_FILES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

interface Pool {
  workers: Worker[];
  /** Where each running job's answers go; an Error when a thread died. */
  jobs: Map<number, (answer: FromPrepare | Error, worker: Worker) => void>;
  /** Stops the threads once no job has used them for IDLE_STOP_MS. */
  idleTimer?: NodeJS.Timeout;
}

/** Threads left idle this long are stopped: a build then waits for its jobs, or loads, without their memory. */
const IDLE_STOP_MS = 1000;

let pool: Pool | undefined;
let lastJob = 0;

function stopPool(stopping: Pool): void {
  if (pool === stopping) pool = undefined;
  clearTimeout(stopping.idleTimer);
  for (const worker of stopping.workers) {
    worker.removeAllListeners();
    void worker.terminate();
  }
}

/** The process's pool, grown to `threads` threads if it has fewer. */
function startedPool(threads: number): Pool {
  const started: Pool = pool ?? { workers: [], jobs: new Map() };
  pool = started;
  clearTimeout(started.idleTimer);
  const fail = (error: Error, worker: Worker) => {
    for (const deliver of started.jobs.values()) deliver(error, worker);
    started.jobs.clear();
    stopPool(started);
  };
  while (started.workers.length < threads) {
    const worker = startWorker(import.meta.url, 'prepare-worker');
    worker.on('message', (answer: FromPrepare) => started.jobs.get(answer.job)?.(answer, worker));
    worker.on('error', (error) => fail(error, worker));
    worker.on('exit', (code) => fail(new Error(`a prepare thread stopped (exit code ${code})`), worker));
    worker.unref();
    started.workers.push(worker);
  }
  return started;
}

async function* prepareOnThreads(batches: readonly FileEntry[][], settings: DocumentPlanSettings, threadPool: Pool): AsyncGenerator<PreparedFile> {
  const { workers, jobs } = threadPool;
  const job = ++lastJob;
  const done = new Map<number, PreparedFile[]>();
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  /** A slot per batch a thread may take now; a thread appears once per free slot. */
  const free: Worker[] = workers.flatMap((worker) => Array<Worker>(BATCHES_PER_THREAD).fill(worker));
  let sent = 0;
  let taken = 0;
  const handOut = () => {
    while (free.length > 0 && sent < batches.length && sent - taken < MAX_BATCHES_AHEAD) {
      const message: ToPrepare = { job, batch: sent, entries: batches[sent]!, settings };
      free.shift()!.postMessage(message);
      sent++;
    }
  };
  jobs.set(job, (answer, worker) => {
    if (answer instanceof Error) failure = answer;
    else if ('error' in answer) failure = new Error(`preparing documents failed on a worker thread: ${answer.error}`);
    else {
      done.set(answer.batch, decodeBatch(answer.planned, settings));
      free.push(worker);
      handOut();
    }
    wake?.();
  });
  for (const worker of workers) worker.ref(); // a job is waiting on them
  try {
    handOut();
    while (taken < batches.length) {
      while (!failure && !done.has(taken)) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      const files = done.get(taken)!;
      done.delete(taken);
      taken++;
      handOut();
      yield* files;
    }
  } finally {
    jobs.delete(job);
    if (jobs.size === 0) {
      for (const worker of workers) worker.unref();
      threadPool.idleTimer = setTimeout(() => stopPool(threadPool), IDLE_STOP_MS).unref();
    }
  }
}
