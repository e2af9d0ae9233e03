// Starts a TypeScript worker module when gbi runs from its sources (tsx, vitest): Node 20 ignores
// --import in a worker's execArgv, so the worker registers tsx itself. Built code does not need this
// file; tsc leaves it out of dist.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsxWorkerModule);
