/** The Batch API: create (inline or file input), get, list, cancel, delete. */
import { writeFile } from 'node:fs/promises';
import { failedPrecondition, invalidArgument, notFound } from './errors.js';
import type { Faults } from './faults.js';
import type { FileService } from './files.js';
import { randomId } from './ids.js';
import { type JobRunner, setBatchState } from './jobs.js';
import { type Operation, toOperation } from './operations.js';
import { type Page, paginate } from './paging.js';
import { isPlainObject } from './proto-json.js';
import type { BatchKind } from './results.js';
import { type BatchRecord, type StateStore, TERMINAL_STATES } from './state.js';

/** Keeps `files/batch-{id}` within the 40-character file id limit. */
const BATCH_ID_LENGTH = 24;

type BatchInput = { fileName: string } | { inlineItems: Array<Record<string, unknown>> };

export class BatchService {
  constructor(
    private readonly store: StateStore,
    private readonly files: FileService,
    private readonly runner: JobRunner,
    private readonly faults: Faults,
  ) {}

  /** Restarts jobs that were pending or running when the emulator stopped. */
  resumeUnfinished(): void {
    for (const record of this.store.batches.values()) {
      if (!TERMINAL_STATES.has(record.state)) this.runner.start(record);
    }
  }

  async create(kind: BatchKind, model: string, body: unknown): Promise<Operation> {
    const batch = isPlainObject(body) ? body['batch'] : undefined;
    if (!isPlainObject(batch)) throw invalidArgument('The request body must contain a "batch" object.');
    const input = readBatchInput(batch['inputConfig']);
    const now = new Date().toISOString();
    const record: BatchRecord = {
      id: randomId(BATCH_ID_LENGTH),
      kind,
      model,
      state: 'BATCH_STATE_PENDING',
      createTime: now,
      updateTime: now,
      successfulCount: 0,
      failedCount: 0,
      sequence: this.store.nextSequence(),
      ...(typeof batch['displayName'] === 'string' ? { displayName: batch['displayName'] } : {}),
    };
    if ('fileName' in input) {
      record.inputFileName = `files/${this.files.get(input.fileName).id}`;
    } else {
      const lines = input.inlineItems.map((item) => JSON.stringify({ request: item['request'], metadata: item['metadata'] }));
      await writeFile(this.store.inlineInputPath(record.id), `${lines.join('\n')}\n`);
      record.requestCount = lines.length;
    }
    const forcedOutcome = this.faults.takeForcedOutcome();
    if (forcedOutcome !== undefined) record.forcedOutcome = forcedOutcome;
    this.store.batches.set(record.id, record);
    this.store.save();
    this.runner.start(record);
    return toOperation(record);
  }

  async get(id: string): Promise<Operation> {
    return this.operationOf(this.record(id));
  }

  async list(query: URLSearchParams): Promise<Page<Operation>> {
    const newestFirst = [...this.store.batches.values()].sort((a, b) => b.sequence - a.sequence);
    const page = paginate(newestFirst, query, { defaultSize: 50, maxSize: 1000 });
    const operations = await Promise.all(page.items.map((record) => this.operationOf(record)));
    return { ...page, items: operations };
  }

  async cancel(id: string): Promise<void> {
    const record = this.record(id);
    if (record.state === 'BATCH_STATE_CANCELLED') return;
    if (TERMINAL_STATES.has(record.state)) {
      throw failedPrecondition(`Batch batches/${id} has already finished (${record.state}) and cannot be cancelled.`);
    }
    setBatchState(record, 'BATCH_STATE_CANCELLED', this.store);
    await this.runner.stop(id);
  }

  async delete(id: string): Promise<void> {
    this.record(id);
    this.store.batches.delete(id);
    this.store.save();
    await this.runner.stop(id);
    await this.store.removeInlineData(id);
  }

  private record(id: string): BatchRecord {
    const record = this.store.batches.get(id);
    if (!record) throw notFound(`Batch batches/${id} not found.`);
    return record;
  }

  private async operationOf(record: BatchRecord): Promise<Operation> {
    const hasInlineOutput = record.state === 'BATCH_STATE_SUCCEEDED' && record.inputFileName === undefined;
    return toOperation(record, hasInlineOutput ? await this.store.readInlineResponses(record.id) : undefined);
  }
}

/** `inputConfig` holds exactly one of `fileName` (also spelled `file_name`) and `requests.requests`. */
function readBatchInput(inputConfig: unknown): BatchInput {
  if (!isPlainObject(inputConfig)) throw invalidArgument('batch.inputConfig is required.');
  const fileName = inputConfig['fileName'] ?? inputConfig['file_name'];
  const requests = inputConfig['requests'];
  if (fileName !== undefined && requests !== undefined) {
    throw invalidArgument('batch.inputConfig must set only one of fileName and requests.');
  }
  if (fileName !== undefined) {
    if (typeof fileName !== 'string' || fileName === '') throw invalidArgument('batch.inputConfig.fileName must be a file name.');
    return { fileName };
  }
  const items = isPlainObject(requests) ? requests['requests'] : undefined;
  if (!Array.isArray(items) || items.length === 0) {
    throw invalidArgument('batch.inputConfig must set fileName or a non-empty requests.requests list.');
  }
  items.forEach((item, i) => {
    if (!isPlainObject(item)) throw invalidArgument(`batch.inputConfig.requests.requests[${i}] must be an object.`);
  });
  return { inlineItems: items as Array<Record<string, unknown>> };
}
