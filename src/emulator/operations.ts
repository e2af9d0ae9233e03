/** The REST shape of a batch: a long-running Operation whose metadata is the batch. */
import type { BatchKind } from './results.js';
import { type BatchRecord, type InlineResponse, type OperationError, TERMINAL_STATES } from './state.js';

const TYPE_PREFIX = 'type.googleapis.com/google.ai.generativelanguage.v1main.';
const BATCH_TYPES: Record<BatchKind, { batch: string; output: string }> = {
  embed: { batch: `${TYPE_PREFIX}EmbedContentBatch`, output: `${TYPE_PREFIX}EmbedContentBatchOutput` },
  generate: { batch: `${TYPE_PREFIX}GenerateContentBatch`, output: `${TYPE_PREFIX}GenerateContentBatchOutput` },
};

/** int64 counters travel as strings; absent counters are omitted. */
export interface BatchStats {
  requestCount?: string;
  successfulRequestCount?: string;
  failedRequestCount?: string;
  pendingRequestCount?: string;
}

export type BatchOutput = { responsesFile: string } | { inlinedResponses: { inlinedResponses: InlineResponse[] } };

export interface Operation {
  name: string;
  metadata: {
    '@type': string;
    model: string;
    displayName?: string;
    name: string;
    inputConfig?: { fileName: string };
    output?: BatchOutput;
    createTime: string;
    updateTime: string;
    endTime?: string;
    batchStats: BatchStats;
    state: string;
  };
  done?: true;
  response?: { '@type': string } & BatchOutput;
  error?: OperationError;
}

export function batchStats(record: BatchRecord): BatchStats {
  const stats: BatchStats = {};
  if (record.requestCount === undefined) return stats;
  stats.requestCount = String(record.requestCount);
  if (record.successfulCount > 0) stats.successfulRequestCount = String(record.successfulCount);
  if (record.failedCount > 0) stats.failedRequestCount = String(record.failedCount);
  if (!TERMINAL_STATES.has(record.state)) {
    stats.pendingRequestCount = String(record.requestCount - record.successfulCount - record.failedCount);
  }
  return stats;
}

/** `inlineResponses` must be given for a succeeded inline-input batch. */
export function toOperation(record: BatchRecord, inlineResponses?: InlineResponse[]): Operation {
  const types = BATCH_TYPES[record.kind];
  const name = `batches/${record.id}`;
  const output = outputOf(record, inlineResponses);
  const operation: Operation = {
    name,
    metadata: {
      '@type': types.batch,
      model: record.model,
      ...(record.displayName === undefined ? {} : { displayName: record.displayName }),
      name,
      ...(record.inputFileName === undefined ? {} : { inputConfig: { fileName: record.inputFileName } }),
      ...(output === undefined ? {} : { output }),
      createTime: record.createTime,
      updateTime: record.updateTime,
      ...(record.endTime === undefined ? {} : { endTime: record.endTime }),
      batchStats: batchStats(record),
      state: record.state,
    },
  };
  if (TERMINAL_STATES.has(record.state)) operation.done = true;
  if (output !== undefined) operation.response = { '@type': types.output, ...output };
  if (record.error !== undefined) operation.error = record.error;
  return operation;
}

function outputOf(record: BatchRecord, inlineResponses: InlineResponse[] | undefined): BatchOutput | undefined {
  if (record.state !== 'BATCH_STATE_SUCCEEDED') return undefined;
  if (record.outputFileName !== undefined) return { responsesFile: record.outputFileName };
  if (inlineResponses !== undefined) return { inlinedResponses: { inlinedResponses: inlineResponses } };
  return undefined;
}
