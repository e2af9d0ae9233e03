// The reader thread (see reader-thread.ts): reads each job's entries ahead, as far as the caller's
// credit allows, and posts every result as it is ready.
import { parentPort } from 'node:worker_threads';
import { readAhead } from './read.js';
import type { FromReader, ToReader } from './reader-thread.js';
import type { FileEntry } from './types.js';

const port = parentPort!;

interface Job {
  credit: number;
  cancelled: boolean;
  wake?: () => void;
}

const jobs = new Map<number, Job>();

port.on('message', (message: ToReader) => {
  if (message.type === 'read') {
    void run(message.job, message.entries, message.window);
    return;
  }
  const job = jobs.get(message.job);
  if (!job) return;
  if (message.type === 'credit') job.credit += message.count;
  else job.cancelled = true;
  job.wake?.();
});

async function run(id: number, entries: readonly FileEntry[], window: number): Promise<void> {
  const job: Job = { credit: window, cancelled: false };
  jobs.set(id, job);
  const post = (message: FromReader) => port.postMessage(message);
  try {
    for await (const result of readAhead(entries)) {
      while (job.credit === 0 && !job.cancelled) await new Promise<void>((resolve) => (job.wake = resolve));
      if (job.cancelled) return;
      job.credit--;
      post({ job: id, result });
    }
    post({ job: id, done: true });
  } finally {
    jobs.delete(id);
  }
}
