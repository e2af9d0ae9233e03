/**
 * Worker threads that prepare big embed jobs (prepareEmbedBlock), so that a job uses the machine's
 * other cores and the emulator's own thread stays free to answer requests and write results.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../threads/worker.js';
import type { PreparedEmbedBlock } from './embed-blocks.js';
import type { LineBlock } from './input-lines.js';

export interface EmbedWorkerRequest {
  id: number;
  block: LineBlock;
}

export type EmbedWorkerReply = { id: number; block: PreparedEmbedBlock; error?: undefined } | { id: number; error: string; block?: undefined };

interface Task {
  resolve: (block: PreparedEmbedBlock) => void;
  reject: (error: Error) => void;
}

/** One worker and the blocks it was sent; it keeps the process alive only while it has some. */
class EmbedWorker {
  failure: Error | undefined;
  private readonly worker: Worker = startWorker(import.meta.url, 'embed-worker');
  private readonly tasks = new Map<number, Task>();
  private nextId = 0;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (reply: EmbedWorkerReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the embedding worker exited with code ${code}`)));
  }

  get pending(): number {
    return this.tasks.size;
  }

  /** Hands `block` (its bytes are transferred) to the worker. */
  prepare(block: LineBlock): Promise<PreparedEmbedBlock> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const request: EmbedWorkerRequest = { id, block };
    return new Promise((resolve, reject) => {
      if (this.tasks.size === 0) this.worker.ref();
      this.tasks.set(id, { resolve, reject });
      this.worker.postMessage(request, [block.bytes.buffer]);
    });
  }

  async terminate(): Promise<void> {
    this.fail(new Error('the embedding worker was stopped'));
    await this.worker.terminate();
  }

  private settle(reply: EmbedWorkerReply): void {
    const task = this.tasks.get(reply.id);
    if (!task) return;
    this.tasks.delete(reply.id);
    if (this.tasks.size === 0) this.worker.unref();
    if (reply.block) task.resolve(reply.block);
    else task.reject(new Error(reply.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const task of this.tasks.values()) task.reject(error);
    this.tasks.clear();
  }
}

export class EmbedWorkerPool {
  private workers: EmbedWorker[] = [];

  constructor(readonly size: number) {}

  /** Starts the workers that are not running (none at first, or failed ones). */
  start(): void {
    this.workers = this.workers.filter((worker) => !worker.failure);
    while (this.workers.length < this.size) this.workers.push(new EmbedWorker());
  }

  /** Prepares `block` in the least busy worker. */
  prepare(block: LineBlock): Promise<PreparedEmbedBlock> {
    this.start();
    const idlest = this.workers.reduce((best, worker) => (worker.pending < best.pending ? worker : best));
    return idlest.prepare(block);
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
