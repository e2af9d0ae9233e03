/** Turning one request (batch item or interactive call) into a response or a per-request error. */
import { hashEmbed } from './embedder.js';
import { ApiFailure, type GoogleErrorObject } from './errors.js';
import type { Faults } from './faults.js';
import { JsonBytes } from './json-bytes.js';
import { camelizeKeys, isPlainObject } from './proto-json.js';
import { readEmbedRequest, readGenerateRequest } from './requests.js';
import { type EmbeddingSource, type StatsRecorder, textDigest } from './stats.js';
import { answer, breakJson, type GenerateContentResponse, isJsonMode, toGenerateContentResponse } from './summarizer.js';
import { estimateTokenCount } from './tokens.js';

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
 * A successful embedding. Result files are written from its JSON bytes directly (the hot path);
 * JSON.stringify (inline and interactive answers) goes through toJSON.
 */
export class EmbeddingResponse {
  constructor(
    readonly values: Float32Array,
    readonly tokenCount: number,
  ) {}

  writeJson(out: JsonBytes): void {
    out.text('{"embedding":{"values":');
    out.vector(this.values);
    out.text(`},"tokenCount":"${this.tokenCount}"}`);
  }

  toJSON(): EmbedContentResponse {
    const out = new JsonBytes();
    this.writeJson(out);
    return JSON.parse(out.toString()) as EmbedContentResponse;
  }
}

function embeddingResponse(text: string, dims: number): EmbeddingResponse {
  return new EmbeddingResponse(hashEmbed(text, dims), estimateTokenCount(text));
}

export function embedText(text: string, dims: number, stats: StatsRecorder, source: EmbeddingSource): EmbeddingResponse {
  const response = embeddingResponse(text, dims);
  stats.recordEmbedding(textDigest(text), source);
  return response;
}

/** A batch embed request's work, free of side effects (a worker can do it): its text's digest and its response. */
export function prepareEmbedding(request: unknown): { digest: string; response: EmbeddingResponse } {
  const { text, dims } = readEmbedRequest(camelizeKeys(request));
  return { digest: textDigest(text), response: embeddingResponse(text, dims) };
}

/**
 * What is left of a batch embedding once prepared: the fault roll (keyed by the item's key or,
 * without one, its text) and the stats. Returns the injected error, if any.
 */
export function settleBatchEmbedding(key: string | undefined, digest: string, { faults, stats }: ItemContext): GoogleErrorObject | undefined {
  if (faults.requestFails(key ?? digest)) return injectedItemError();
  stats.recordEmbedding(digest, 'batch');
  return undefined;
}

/** Writes one line of a result file, without its line break: `{"key":…,"response":…}` or `{"key":…,"error":…}`. */
export function writeResultLine(out: JsonBytes, key: string | undefined, outcome: ItemOutcome): void {
  out.text(key === undefined ? '{' : `{"key":${JSON.stringify(key)},`);
  if (outcome.error) {
    out.text(`"error":${JSON.stringify(outcome.error)}}`);
    return;
  }
  out.text('"response":');
  if (outcome.response instanceof EmbeddingResponse) outcome.response.writeJson(out);
  else out.text(JSON.stringify(outcome.response));
  out.text('}');
}

/** The per-request error of an ApiFailure; anything else is a bug and propagates. */
export function itemErrorOf(error: unknown): GoogleErrorObject {
  if (error instanceof ApiFailure) return error.toErrorObject();
  throw error;
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
    return { error: itemErrorOf(error) };
  }
}

function runEmbedItem(item: InputItem, context: ItemContext): ItemOutcome {
  const { digest, response } = prepareEmbedding(item.request);
  const error = settleBatchEmbedding(item.key, digest, context);
  return error ? { error } : { response };
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
