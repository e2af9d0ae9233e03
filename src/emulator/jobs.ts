/**
 * Runs batch jobs asynchronously: PENDING (counting requests, one latency period) → RUNNING
 * (streaming the input block by block into a result sink, at least one latency period, and
 * as long as jobs are held) → SUCCEEDED, or a forced FAILED / EXPIRED.
 *
 * Big embed jobs with file input are prepared in worker threads (EmbedWorkerPool), a block of
 * lines at a time; the fault rolls, stats and the result file stay here, in line order.
 *
 * Whoever aborts a job (cancel, delete, close) owns its state; the runner then just stops.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as yieldToEventLoop, setTimeout as delay } from 'node:timers/promises';
import { type PreparedEmbedBlock, prepareEmbedBlock } from './embed-blocks.js';
import { EmbedWorkerPool } from './embed-pool.js';
import { createRandom, seededUnit } from './hashing.js';
import type { Faults } from './faults.js';
import type { FileService } from './files.js';
import { blockLines, countRequestLines, isBlankLine, type LineBlock, readLineBlocks } from './input-lines.js';
import { InlineResponsesSink, type ResultSink, ShuffledJsonlSink } from './result-sinks.js';
import { type ItemContext, parseInputLine, runItem, settleBatchEmbedding } from './results.js';
import { type BatchRecord, type BatchState, type OperationError, type StateStore, TERMINAL_STATES } from './state.js';
import type { StatsRecorder } from './stats.js';

/** Processing yields to the event loop this often so that polls are answered during big jobs. */
const YIELD_EVERY_MS = 10;
/** Input is read, and handed to workers, in blocks of whole lines of about this size. */
const BLOCK_BYTES = 64 * 1024;
/** Smaller embed jobs are prepared in this thread: starting workers would cost more than they save. */
const WORKER_MIN_REQUESTS = 1000;
const MAX_EMBED_WORKERS = 2;
/** Blocks handed to each worker ahead, so that none waits for the next. */
const BLOCKS_AHEAD_PER_WORKER = 2;
/** google.rpc.Code values used in operation errors. */
const RPC_INTERNAL = 13;
const RPC_DEADLINE_EXCEEDED = 4;

export interface JobDependencies {
  store: StateStore;
  files: FileService;
  faults: Faults;
  stats: StatsRecorder;
  defaultLatencyMs: number;
  seed: number;
  log: (line: string) => void;
}

export function setBatchState(record: BatchRecord, state: BatchState, store: StateStore, error?: OperationError): void {
  const now = new Date().toISOString();
  record.state = state;
  record.updateTime = now;
  if (TERMINAL_STATES.has(state)) record.endTime = now;
  if (error) record.error = error;
  store.save();
}

export class JobRunner {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** Started on the first big embed job; none on a single core. */
  private embedWorkers: EmbedWorkerPool | undefined;

  constructor(private readonly deps: JobDependencies) {}

  /** Starts (or, after a restart, restarts from the beginning) a non-terminal job. */
  start(record: BatchRecord): void {
    const controller = new AbortController();
    const done = this.run(record, controller.signal).finally(() => this.running.delete(record.id));
    this.running.set(record.id, { controller, done });
  }

  /** Stops a job's work without touching its state, and waits until it has stopped. */
  async stop(batchId: string): Promise<void> {
    const job = this.running.get(batchId);
    if (!job) return;
    job.controller.abort();
    await job.done;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
    await this.embedWorkers?.close();
  }

  private inputPath(record: BatchRecord): string {
    const { store, files } = this.deps;
    return record.inputFileName === undefined
      ? store.inlineInputPath(record.id)
      : store.fileBytesPath(files.get(record.inputFileName).id);
  }

  private latency(): number {
    return this.deps.faults.jobLatency(this.deps.defaultLatencyMs);
  }

  private transition(record: BatchRecord, state: BatchState, error?: OperationError): void {
    setBatchState(record, state, this.deps.store, error);
    this.deps.log(`batches/${record.id} ${state}`);
  }

  private async run(record: BatchRecord, signal: AbortSignal): Promise<void> {
    try {
      if (record.state === 'BATCH_STATE_PENDING') {
        if (record.requestCount === undefined) {
          record.requestCount = await countRequestLines(this.inputPath(record));
          this.deps.store.save();
        }
        // Workers boot while the job is pending.
        this.workersFor(record)?.start();
        await delay(this.latency(), undefined, { signal });
        this.transition(record, 'BATCH_STATE_RUNNING');
      }
      record.successfulCount = 0;
      record.failedCount = 0;
      const runningSince = Date.now();
      if (record.forcedOutcome !== undefined) {
        await this.waitOutRunning(runningSince, signal);
        this.finishForced(record);
      } else {
        await this.produceResults(record, runningSince, signal);
      }
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      this.deps.log(`batches/${record.id} failed: ${message}`);
      this.transition(record, 'BATCH_STATE_FAILED', { code: RPC_INTERNAL, message: `Batch processing failed: ${message}` });
    }
  }

  /** Jobs stay RUNNING for at least one latency period, and while held. */
  private async waitOutRunning(runningSince: number, signal: AbortSignal): Promise<void> {
    await delay(Math.max(0, this.latency() - (Date.now() - runningSince)), undefined, { signal });
    await this.deps.faults.whenReleased(signal);
  }

  private finishForced(record: BatchRecord): void {
    if (record.forcedOutcome === 'EXPIRED') {
      this.transition(record, 'BATCH_STATE_EXPIRED', {
        code: RPC_DEADLINE_EXCEEDED,
        message: 'The batch expired: it was not completed within 48 hours (injected fault).',
      });
    } else {
      this.transition(record, 'BATCH_STATE_FAILED', {
        code: RPC_INTERNAL,
        message: 'The batch failed because of an internal error (injected fault).',
      });
    }
  }

  private async produceResults(record: BatchRecord, runningSince: number, signal: AbortSignal): Promise<void> {
    const { store, files } = this.deps;
    const shuffleSeed = Math.floor(seededUnit(this.deps.seed, 'shuffle', record.id) * 0x1_0000_0000);
    const sink =
      record.inputFileName === undefined
        ? new InlineResponsesSink(store.inlineOutputPath(record.id))
        : new ShuffledJsonlSink(store.partialOutputPath(record.id), createRandom(shuffleSeed));
    try {
      if (sink instanceof ShuffledJsonlSink && record.kind === 'embed') await this.embedBlocks(record, sink, signal);
      else await this.processLines(record, sink, signal);
      await this.waitOutRunning(runningSince, signal);
      await sink.finish();
      signal.throwIfAborted();
      if (sink instanceof InlineResponsesSink) {
        store.rememberInlineResponses(record.id, sink.responses);
      } else {
        const output = await files.addGenerated(`batch-${record.id}`, store.partialOutputPath(record.id), `batch-${record.id}`, sink.sha256Hex());
        if (signal.aborted) {
          await files.delete(output.id);
          return;
        }
        record.outputFileName = `files/${output.id}`;
      }
      this.transition(record, 'BATCH_STATE_SUCCEEDED');
    } catch (error) {
      await sink.discard();
      throw error;
    }
  }

  private itemContext(record: BatchRecord): ItemContext {
    const { faults, stats } = this.deps;
    return { kind: record.kind, model: record.model, faults, stats };
  }

  /** Any job, line by line in this thread. */
  private async processLines(record: BatchRecord, sink: ResultSink, signal: AbortSignal): Promise<void> {
    const context = this.itemContext(record);
    const pause = new BusyPause(signal);
    for await (const block of readLineBlocks(this.inputPath(record), BLOCK_BYTES)) {
      const lines = blockLines(block.bytes);
      for (let index = 0; index < lines.length; index++) {
        const line = lines[index];
        if (isBlankLine(line)) continue;
        const item = parseInputLine(line, block.firstLineNumber + index);
        const outcome = runItem(item, context);
        if (outcome.error) record.failedCount++;
        else record.successfulCount++;
        await sink.add(item, outcome);
        await pause.whenDue();
      }
    }
    signal.throwIfAborted();
  }

  /**
   * An embed job with a result file, a block of lines at a time: prepared in workers when the job
   * is big (a few blocks ahead), then settled here in line order.
   */
  private async embedBlocks(record: BatchRecord, sink: ShuffledJsonlSink, signal: AbortSignal): Promise<void> {
    const context = this.itemContext(record);
    const workers = this.workersFor(record);
    const prepare = workers ? (block: LineBlock) => workers.prepare(block) : async (block: LineBlock) => prepareEmbedBlock(block);
    const maxAhead = workers ? workers.size * BLOCKS_AHEAD_PER_WORKER : 1;
    const ahead: Array<Promise<PreparedEmbedBlock>> = [];
    const pause = new BusyPause(signal);
    const settleOldest = async (): Promise<void> => {
      const block = await (ahead.shift() as Promise<PreparedEmbedBlock>);
      signal.throwIfAborted();
      let lineStart = 0;
      for (const item of block.items) {
        if ('error' in item) {
          record.failedCount++;
          await sink.add(item, { error: item.error });
          continue;
        }
        const injected = settleBatchEmbedding(item.key, item.digest, context);
        if (injected) {
          record.failedCount++;
          await sink.add(item, { error: injected });
        } else {
          record.successfulCount++;
          await sink.addLine(block.lines.subarray(lineStart, item.lineEnd));
        }
        lineStart = item.lineEnd;
      }
      await pause.whenDue();
    };
    for await (const block of readLineBlocks(this.inputPath(record), BLOCK_BYTES)) {
      const prepared = prepare(block);
      // Handled from the start: after an abort or a failure, blocks still ahead are not waited for.
      prepared.catch(() => undefined);
      ahead.push(prepared);
      if (ahead.length >= maxAhead) await settleOldest();
    }
    while (ahead.length > 0) await settleOldest();
    signal.throwIfAborted();
  }

  /** The worker pool for a big embed job with file input; none for other jobs or on a single core. */
  private workersFor(record: BatchRecord): EmbedWorkerPool | undefined {
    const big = record.kind === 'embed' && record.inputFileName !== undefined && (record.requestCount ?? 0) >= WORKER_MIN_REQUESTS;
    const size = Math.min(MAX_EMBED_WORKERS, availableParallelism());
    if (!big || record.forcedOutcome !== undefined || size < 2) return undefined;
    this.embedWorkers ??= new EmbedWorkerPool(size);
    return this.embedWorkers;
  }
}

/** Yields to the event loop once the job has kept this thread busy for YIELD_EVERY_MS; stops there if aborted. */
class BusyPause {
  private busySince = performance.now();

  constructor(private readonly signal: AbortSignal) {}

  async whenDue(): Promise<void> {
    if (performance.now() - this.busySince <= YIELD_EVERY_MS) return;
    await yieldToEventLoop();
    this.signal.throwIfAborted();
    this.busySince = performance.now();
  }
}
