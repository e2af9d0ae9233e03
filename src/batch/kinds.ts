import type { BatchJob, GoogleGenAI } from '@google/genai';
import type { JobKind } from './ledger.js';

/** One line of a request file: the JSONL form the Batch API takes, and what the ledger keeps. */
export interface RequestLine {
  key: string;
  request: Record<string, unknown>;
}

export type ParsedResult = { ok: true; value: unknown; tokens: number } | { ok: false; error: string };

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
  /** An inline result item or a result-file line (`{response}` or `{error}`). */
  parse(item: unknown): ParsedResult;
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
  parse: (item) => {
    const { response, error } = (item ?? {}) as {
      response?: { embedding?: { values?: number[] }; tokenCount?: string | number };
      error?: { code?: number; message?: string; status?: string };
    };
    if (error) return { ok: false, error: describeError(error) };
    const values = response?.embedding?.values;
    if (!Array.isArray(values) || values.length === 0) return { ok: false, error: 'response has no embedding values' };
    return { ok: true, value: values, tokens: Number(response?.tokenCount ?? 0) };
  },
};

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
};

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
