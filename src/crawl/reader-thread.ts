// Reading on a second thread: the file I/O, decoding and hashing of readDocuments happen there while
// the caller works on what was read before. One thread serves every call of the process; it is
// started on first use and does not keep the process alive while idle.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/worker.js';
import type { FileEntry, ReadResult } from './types.js';

export type ToReader =
  | { type: 'read'; job: number; entries: readonly FileEntry[]; window: number }
  /** The caller took `count` more results: the reader may send as many more. */
  | { type: 'credit'; job: number; count: number }
  /** The caller stopped listening: the reader drops the job. */
  | { type: 'cancel'; job: number };
export type FromReader = { job: number; result: ReadResult } | { job: number; done: true };

/** Results read ahead and not yet taken, per call: enough to keep the caller busy, bounded in memory. */
const WINDOW = 16;
/** Credit goes back in batches: every message has to wake the thread. */
const CREDIT_BATCH = WINDOW / 2;

interface Reader {
  worker: Worker;
  /** Where each running job's messages go; an Error when the thread died. */
  jobs: Map<number, (message: FromReader | Error) => void>;
}

let reader: Reader | undefined;
let lastJob = 0;

function startedReader(): Reader {
  if (reader) return reader;
  const worker = startWorker(import.meta.url, 'reader-worker');
  const started: Reader = { worker, jobs: new Map() };
  const fail = (error: Error) => {
    if (reader === started) reader = undefined;
    for (const deliver of started.jobs.values()) deliver(error);
    started.jobs.clear();
  };
  worker.on('message', (message: FromReader) => started.jobs.get(message.job)?.(message));
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the reader thread stopped (exit code ${code})`)));
  worker.unref();
  reader = started;
  return started;
}

/** readDocuments' results as the reader thread reads them, in the entries' order. */
export async function* readOnReaderThread(entries: readonly FileEntry[]): AsyncGenerator<ReadResult> {
  const { worker, jobs } = startedReader();
  const job = ++lastJob;
  const arrived: Array<FromReader | Error> = [];
  let wake: (() => void) | undefined;
  jobs.set(job, (message) => {
    arrived.push(message);
    wake?.();
  });
  if (jobs.size === 1) worker.ref(); // a job is waiting on it
  const post = (message: ToReader) => worker.postMessage(message);
  let finished = false;
  let taken = 0;
  try {
    post({ type: 'read', job, entries, window: WINDOW });
    for (;;) {
      while (arrived.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = arrived.shift()!;
      if (message instanceof Error) throw message;
      if ('done' in message) {
        finished = true;
        return;
      }
      if (++taken === CREDIT_BATCH) {
        post({ type: 'credit', job, count: taken });
        taken = 0;
      }
      yield message.result;
    }
  } finally {
    jobs.delete(job);
    if (!finished) post({ type: 'cancel', job });
    if (jobs.size === 0) worker.unref();
  }
}
