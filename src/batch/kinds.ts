import type { BatchJob, GoogleGenAI } from '@google/genai';
import { parseNumberArray, skipJsonSpace } from './json-numbers.js';
import type { JobKind } from './ledger.js';
import { parseJsonOrUndefined } from './request-file.js';

/** One line of a request file: the JSONL form the Batch API takes, and what the ledger keeps. */
export interface RequestLine {
  key: string;
  request: Record<string, unknown>;
}

export type ParsedResult = { ok: true; value: unknown; tokens: number } | { ok: false; error: string };

/** One result, matched to its request by key. */
export type ResultLine = { key: string } & ParsedResult;

/**
 * What differs between embedding and generation batches. Everything else (splitting, upload,
 * ledger, polling, loading, retries) is one mechanism for both.
 */
export interface RequestKind {
  kind: JobKind;
  /** Inline requests share one config in the SDK, so an inline job only holds lines of one group. */
  inlineGroup(line: RequestLine): string;
  createInline(ai: GoogleGenAI, model: string, lines: RequestLine[], displayName: string): Promise<BatchJob>;
  createFromFile(ai: GoogleGenAI, model: string, fileName: string, displayName: string): Promise<BatchJob>;
  /** Inline results in request order. */
  inlineResults(job: BatchJob): unknown[];
  /** An inline result item or a parsed result-file line (`{response}` or `{error}`). */
  parse(item: unknown): ParsedResult;
  /** A result-file line as bytes; undefined when it has no key to match it by. */
  parseResultLine(line: Buffer): ResultLine | undefined;
}

interface EmbedRequest {
  content: { parts: { text: string }[] };
  taskType?: string;
  title?: string;
  outputDimensionality?: number;
}

export const embedKind: RequestKind = {
  kind: 'embed',
  inlineGroup: (line) => String((line.request as unknown as EmbedRequest).title ?? ''),
  createInline: (ai, model, lines, displayName) => {
    const first = lines[0].request as unknown as EmbedRequest;
    return quietExperimental(() =>
      ai.batches.createEmbeddings({
        model,
        src: {
          inlinedRequests: {
            contents: lines.map((line) => (line.request as unknown as EmbedRequest).content),
            config: { taskType: first.taskType, title: first.title, outputDimensionality: first.outputDimensionality },
          },
        },
        config: { displayName },
      }),
    );
  },
  createFromFile: (ai, model, fileName, displayName) =>
    quietExperimental(() => ai.batches.createEmbeddings({ model, src: { fileName }, config: { displayName } })),
  // The SDK moves results to inlinedEmbedContentResponses only when some item succeeded.
  inlineResults: (job) => job.dest?.inlinedEmbedContentResponses ?? job.dest?.inlinedResponses ?? [],
  // The value is the vector as parsed: number[] from JSON.parse, Float64Array from a result line.
  parse: (item) => {
    const { response, error } = (item ?? {}) as {
      response?: { embedding?: { values?: unknown }; tokenCount?: string | number };
      error?: { code?: number; message?: string; status?: string };
    };
    if (error) return { ok: false, error: describeError(error) };
    const values = response?.embedding?.values;
    if (!(Array.isArray(values) || values instanceof Float64Array) || values.length === 0) return { ok: false, error: 'response has no embedding values' };
    return { ok: true, value: values, tokens: Number(response?.tokenCount ?? 0) };
  },
  parseResultLine: (line) => keyedResult(embedKind, parseEmbeddingLine(line) ?? parseJsonOrUndefined(line)),
};

const VALUES_FIELD = Buffer.from('"values"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;

/**
 * An embedding result line with its `"values":[…]` read by parseNumberArray and the rest (key,
 * tokenCount, any other field) by JSON.parse. Undefined, for JSON.parse of the whole line, when
 * that array is not plainly the embedding's: an escape before it (quotes can no longer be counted),
 * an odd number of quotes before it (inside a string), anything but numbers in it, a second
 * `"values"` after it, or the rest not holding it at response.embedding.values.
 */
function parseEmbeddingLine(line: Buffer): unknown {
  const field = line.indexOf(VALUES_FIELD);
  if (field === -1 || line.lastIndexOf(BACKSLASH, field) !== -1) return undefined;
  let quotes = 0;
  for (let i = 0; i < field; i++) if (line[i] === QUOTE) quotes++;
  if (quotes % 2 !== 0) return undefined;
  let open = skipJsonSpace(line, field + VALUES_FIELD.length);
  if (line[open] !== COLON) return undefined;
  open = skipJsonSpace(line, open + 1);
  if (line[open] !== OPEN_BRACKET) return undefined;
  const array = parseNumberArray(line, open);
  if (!array || line.indexOf(VALUES_FIELD, array.close) !== -1) return undefined;
  // The line with an empty array in place of the numbers.
  const rest = parseJsonOrUndefined(Buffer.concat([line.subarray(0, open + 1), line.subarray(array.close)])) as
    | { response?: { embedding?: { values?: unknown } } }
    | undefined;
  const embedding = rest?.response?.embedding;
  if (!embedding || !Array.isArray(embedding.values) || embedding.values.length !== 0) return undefined;
  embedding.values = array.values;
  return rest;
}

interface GenerateRequest {
  contents: unknown;
  systemInstruction?: unknown;
  generationConfig?: Record<string, unknown>;
}

export const generateKind: RequestKind = {
  kind: 'summary',
  inlineGroup: () => '',
  createInline: (ai, model, lines, displayName) =>
    ai.batches.create({
      model,
      src: lines.map((line) => {
        const request = line.request as unknown as GenerateRequest;
        return {
          contents: request.contents as never,
          config: { ...request.generationConfig, systemInstruction: request.systemInstruction as never },
          metadata: { key: line.key },
        };
      }),
      config: { displayName },
    }),
  createFromFile: (ai, model, fileName, displayName) =>
    ai.batches.create({ model, src: { fileName }, config: { displayName } }),
  inlineResults: (job) => job.dest?.inlinedResponses ?? [],
  parse: (item) => {
    const { response, error } = (item ?? {}) as {
      response?: {
        candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[];
        promptFeedback?: { blockReason?: string };
        usageMetadata?: { totalTokenCount?: number };
      };
      error?: { code?: number; message?: string; status?: string };
    };
    if (error) return { ok: false, error: describeError(error) };
    const candidate = response?.candidates?.[0];
    if (!candidate) {
      const blocked = response?.promptFeedback?.blockReason;
      return { ok: false, error: blocked ? `blocked: ${blocked}` : 'response has no candidate' };
    }
    const text = (candidate.content?.parts ?? []).map((part) => part.text ?? '').join('');
    if (!text.trim()) return { ok: false, error: `empty candidate (finishReason ${candidate.finishReason ?? 'unknown'})` };
    return { ok: true, value: text, tokens: Number(response?.usageMetadata?.totalTokenCount ?? 0) };
  },
  parseResultLine: (line) => keyedResult(generateKind, parseJsonOrUndefined(line)),
};

/** A line without a key cannot be matched: its request shows up as unanswered and is retried. */
function keyedResult(kind: RequestKind, record: unknown): ResultLine | undefined {
  const key = (record as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' ? { key, ...kind.parse(record) } : undefined;
}

export function kindOf(kind: JobKind): RequestKind {
  return kind === 'embed' ? embedKind : generateKind;
}

function describeError(error: { code?: number; message?: string; status?: string }): string {
  return [error.status, error.code, error.message].filter((part) => part !== undefined && part !== '').join(' ');
}

const EXPERIMENTAL_WARNING = /batches\.createEmbeddings.*experimental|experimental.*createEmbeddings/i;

/** createEmbeddings warns on every call that it is experimental; one job per call makes that noise. */
async function quietExperimental<T>(call: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!EXPERIMENTAL_WARNING.test(args.map(String).join(' '))) warn(...args);
  };
  try {
    return await call();
  } finally {
    console.warn = warn;
  }
}
