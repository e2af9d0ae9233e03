/**
 * Runs batch jobs asynchronously: PENDING (counting requests, one latency period) → RUNNING
 * (streaming the input line by line into a result sink, at least one latency period, and
 * as long as jobs are held) → SUCCEEDED, or a forced FAILED / EXPIRED.
 *
 * Whoever aborts a job (cancel, delete, close) owns its state; the runner then just stops.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { setImmediate as yieldToEventLoop, setTimeout as delay } from 'node:timers/promises';
import { createRandom, seededUnit } from './hashing.js';
import type { Faults } from './faults.js';
import type { FileService } from './files.js';
import { InlineResponsesSink, type ResultSink, ShuffledJsonlSink } from './result-sinks.js';
import { type ItemContext, parseInputLine, runItem } from './results.js';
import { type BatchRecord, type BatchState, type OperationError, type StateStore, TERMINAL_STATES } from './state.js';
import type { StatsRecorder } from './stats.js';

/** Processing yields to the event loop this often so that polls are answered during big jobs. */
const YIELD_EVERY_MS = 10;
const BLANK_LINE = /^[ \t\r]*$/;
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

/** Counts the non-blank lines of a JSONL file without holding it in memory. */
async function countRequestLines(path: string): Promise<number> {
  let count = 0;
  let lineHasContent = false;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === 0x0a) {
        if (lineHasContent) count++;
        lineHasContent = false;
      } else if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) {
        lineHasContent = true;
      }
    }
  }
  return lineHasContent ? count + 1 : count;
}

export class JobRunner {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

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
    const isInline = record.inputFileName === undefined;
    const inlineSink = isInline ? new InlineResponsesSink(store.inlineOutputPath(record.id)) : undefined;
    const shuffleSeed = Math.floor(seededUnit(this.deps.seed, 'shuffle', record.id) * 0x1_0000_0000);
    const sink: ResultSink = inlineSink ?? new ShuffledJsonlSink(store.partialOutputPath(record.id), createRandom(shuffleSeed));
    try {
      await this.processInput(record, sink, signal);
      await this.waitOutRunning(runningSince, signal);
      await sink.finish();
      signal.throwIfAborted();
      if (inlineSink) {
        store.rememberInlineResponses(record.id, inlineSink.responses);
      } else {
        const output = await files.addGenerated(`batch-${record.id}`, store.partialOutputPath(record.id), `batch-${record.id}`);
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

  private async processInput(record: BatchRecord, sink: ResultSink, signal: AbortSignal): Promise<void> {
    const { faults, stats } = this.deps;
    const context: ItemContext = { kind: record.kind, model: record.model, faults, stats };
    const lines = createInterface({ input: createReadStream(this.inputPath(record)), crlfDelay: Infinity });
    let lineNumber = 0;
    let lastYield = performance.now();
    for await (const line of lines) {
      lineNumber++;
      if (BLANK_LINE.test(line)) continue;
      const item = parseInputLine(line, lineNumber);
      const outcome = runItem(item, context);
      if (outcome.error) record.failedCount++;
      else record.successfulCount++;
      await sink.add(item, outcome);
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        signal.throwIfAborted();
        lastYield = performance.now();
      }
    }
    signal.throwIfAborted();
  }
}
