/** Turning one request (batch item or interactive call) into a response or a per-request error. */
import { hashEmbed } from './embedder.js';
import { ApiFailure, type GoogleErrorObject } from './errors.js';
import type { Faults } from './faults.js';
import { camelizeKeys, isPlainObject } from './proto-json.js';
import { readEmbedRequest, readGenerateRequest } from './requests.js';
import { type EmbeddingSource, type StatsRecorder, textDigest } from './stats.js';
import { answer, breakJson, type GenerateContentResponse, isJsonMode, toGenerateContentResponse } from './summarizer.js';
import { estimateTokenCount } from './tokens.js';
import { vectorJsonText } from './vector-json.js';

export type BatchKind = 'embed' | 'generate';

export type ItemOutcome = { response: unknown; error?: undefined } | { error: GoogleErrorObject; response?: undefined };

export interface EmbedContentResponse {
  embedding: { values: number[] };
  tokenCount: string;
}

export interface ItemContext {
  kind: BatchKind;
  model: string;
  faults: Faults;
  stats: StatsRecorder;
}

/** One parsed line of a batch input: what to run and how to label its result. */
export interface InputItem {
  key?: string;
  metadata?: unknown;
  request?: unknown;
  /** Set when the line itself could not be read. */
  error?: GoogleErrorObject;
}

/**
 * A successful embedding. Result files are written from its JSON text directly (the hot path);
 * JSON.stringify (inline and interactive answers) goes through toJSON.
 */
export class EmbeddingResponse {
  constructor(
    readonly values: Float32Array,
    readonly tokenCount: number,
  ) {}

  toJsonText(): string {
    return `{"embedding":{"values":${vectorJsonText(this.values)}},"tokenCount":"${this.tokenCount}"}`;
  }

  toJSON(): EmbedContentResponse {
    return JSON.parse(this.toJsonText()) as EmbedContentResponse;
  }
}

export function embedText(text: string, dims: number, stats: StatsRecorder, source: EmbeddingSource, digest = textDigest(text)): EmbeddingResponse {
  const values = hashEmbed(text, dims);
  stats.recordEmbedding(digest, source);
  return new EmbeddingResponse(values, estimateTokenCount(text));
}

/** One line of a result file: `{"key":…,"response":…}` or `{"key":…,"error":…}`. */
export function resultLine(key: string | undefined, outcome: ItemOutcome): string {
  const keyField = key === undefined ? '' : `"key":${JSON.stringify(key)},`;
  if (outcome.error) return `{${keyField}"error":${JSON.stringify(outcome.error)}}`;
  const response = outcome.response instanceof EmbeddingResponse ? outcome.response.toJsonText() : JSON.stringify(outcome.response);
  return `{${keyField}"response":${response}}`;
}

/** Interactive and batch generateContent share this, including the invalid-JSON fault. */
export function generateAnswer(request: unknown, model: string, faults: Faults): GenerateContentResponse {
  const parsed = readGenerateRequest(camelizeKeys(request));
  const result = answer(parsed);
  const broken = isJsonMode(parsed) && faults.jsonBreaks(textDigest(parsed.userText)) ? breakJson(result.text) : result;
  return toGenerateContentResponse(parsed, broken, model);
}

/** Reads one JSONL line: `{key, request}` in files, `{request, metadata}` for stored inline requests. */
export function parseInputLine(line: string, lineNumber: number): InputItem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    const key = salvageKey(line);
    const reason = error instanceof Error ? error.message : String(error);
    return { ...(key === undefined ? {} : { key }), error: lineError(lineNumber, `is not valid JSON (${reason})`) };
  }
  if (!isPlainObject(parsed)) return { error: lineError(lineNumber, 'is not a JSON object') };
  const item: InputItem = {};
  const key = parsed['key'];
  if (key !== undefined) {
    if (typeof key !== 'string') return { error: lineError(lineNumber, 'has a "key" that is not a string') };
    item.key = key;
  }
  if (parsed['metadata'] !== undefined) item.metadata = parsed['metadata'];
  if (parsed['request'] === undefined) return { ...item, error: lineError(lineNumber, 'has no "request"') };
  item.request = parsed['request'];
  return item;
}

export function runItem(item: InputItem, context: ItemContext): ItemOutcome {
  if (item.error) return { error: item.error };
  try {
    return context.kind === 'embed' ? runEmbedItem(item, context) : runGenerateItem(item, context);
  } catch (error) {
    if (error instanceof ApiFailure) return { error: error.toErrorObject() };
    throw error;
  }
}

function runEmbedItem(item: InputItem, { faults, stats }: ItemContext): ItemOutcome {
  const { text, dims } = readEmbedRequest(camelizeKeys(item.request));
  const digest = textDigest(text);
  if (faults.requestFails(item.key ?? digest)) return { error: injectedItemError() };
  return { response: embedText(text, dims, stats, 'batch', digest) };
}

function runGenerateItem(item: InputItem, { faults, model }: ItemContext): ItemOutcome {
  const subject = item.key ?? textDigest(JSON.stringify(item.request));
  if (faults.requestFails(subject)) return { error: injectedItemError() };
  return { response: generateAnswer(item.request, model, faults) };
}

function injectedItemError(): GoogleErrorObject {
  return new ApiFailure('INTERNAL', 'An internal error has occurred while processing this request. Please retry.').toErrorObject();
}

function lineError(lineNumber: number, problem: string): GoogleErrorObject {
  return new ApiFailure('INVALID_ARGUMENT', `Input line ${lineNumber} ${problem}.`).toErrorObject();
}

/** The key of a line that is not valid JSON, when a `"key": "..."` can still be found in it. */
function salvageKey(line: string): string | undefined {
  const match = /"key"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(line);
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as string;
  } catch {
    return undefined;
  }
}
