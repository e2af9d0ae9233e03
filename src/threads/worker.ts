// Worker threads that start the same way from built code and from TypeScript sources.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits beside the module whose import.meta.url is `beside`: the
 * built .js file, or under TypeScript sources the .ts file through a bootstrap that registers tsx.
 */
export function startWorker(beside: string, name: string): Worker {
  const extension = extname(fileURLToPath(beside));
  const url = new URL(`./${name}${extension}`, beside);
  if (extension !== '.ts') return new Worker(url);
  return new Worker(new URL('./tsx-worker.mjs', import.meta.url), { workerData: { tsxWorkerModule: url.href } });
}
