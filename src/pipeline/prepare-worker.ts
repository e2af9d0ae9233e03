// A prepare thread (see prepare.ts): reads and plans each batch of files it is handed, in order, and
// answers with all of them. Blocking reads: this thread has nothing else to do meanwhile.
import { parentPort } from 'node:worker_threads';
import { readDocumentSync } from '../crawl/read.js';
import { preparedFile } from './document-plan.js';
import { encodeBatch } from './prepare-wire.js';
import type { FromPrepare, ToPrepare } from './prepare.js';

const port = parentPort!;

port.on('message', ({ job, batch, entries, settings }: ToPrepare) => {
  let answer: FromPrepare;
  let transfer: ArrayBuffer[] = [];
  try {
    const encoded = encodeBatch(
      entries.map((entry) => preparedFile(readDocumentSync(entry), settings)),
      settings.dims,
    );
    answer = { job, batch, planned: encoded.batch };
    transfer = encoded.transfer;
  } catch (error) {
    answer = { job, batch, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(answer, transfer);
});
