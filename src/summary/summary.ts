import { createHash } from 'node:crypto';
import type { PreparedRequest } from '../batch/index.js';
import { estimateTokens } from '../chunk/index.js';

export const DEFAULT_SUMMARY_MODEL = 'gemini-2.5-flash-lite';
/** Bump when the prompt or schema changes: every summary is then made again, on purpose. */
const PROMPT_VERSION = 1;
/**
 * At most this many estimated tokens of a document go into its summary request: the opening of a
 * long document says what it is about, and the cap keeps a summary's cost bounded.
 */
export const SUMMARY_INPUT_TOKENS = 8_000;
const MAX_SUMMARY_CHARS = 2_000;
const MAX_KEYWORDS = 12;

const SYSTEM_INSTRUCTION =
  'You summarize one document for a search index. Write a factual summary of at most 80 words that says ' +
  'what the document is about and what a reader can learn from it, and up to 8 keywords (short noun ' +
  'phrases a person would search for). Use only what the document says. Answer in the language of the document.';

const RESPONSE_SCHEMA = {
  type: 'OBJECT',
  properties: {
    summary: { type: 'STRING', description: 'at most 80 words' },
    keywords: { type: 'ARRAY', items: { type: 'STRING' }, description: 'up to 8 search keywords' },
  },
  required: ['summary', 'keywords'],
};

/** What decides a summary besides the document: model, prompt and input budget. */
export function summaryFingerprint(model: string): string {
  return createHash('sha256').update(JSON.stringify([model, PROMPT_VERSION, SUMMARY_INPUT_TOKENS])).digest('hex').slice(0, 12);
}

/** One key per document version: identical documents are summarized once. */
export function summaryKey(fingerprint: string, documentHash: string): string {
  return `${fingerprint}:${documentHash}`;
}

export function documentHashOf(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

export interface SummarySource {
  path: string;
  sha256: string;
  title: string;
  text: string;
}

/** A generateContent request asking for JSON: summary and keywords of one document. */
export function summaryRequest(fingerprint: string, source: SummarySource): PreparedRequest {
  const body = cutToTokens(source.text, SUMMARY_INPUT_TOKENS);
  const header = [`Path: ${source.path}`, source.title ? `Title: ${source.title}` : ''].filter(Boolean).join('\n');
  const prompt = `${header}\n\n${body}`;
  return {
    key: summaryKey(fingerprint, source.sha256),
    tokens: estimateTokens(prompt) + estimateTokens(SYSTEM_INSTRUCTION),
    request: {
      contents: [{ role: 'user', parts: [{ text: prompt }] }],
      systemInstruction: { parts: [{ text: SYSTEM_INSTRUCTION }] },
      generationConfig: { responseMimeType: 'application/json', responseSchema: RESPONSE_SCHEMA, temperature: 0.2 },
    },
  };
}

export interface DocumentSummary {
  summary: string;
  keywords: string[];
}

export type ParsedSummary = { ok: true; value: DocumentSummary } | { ok: false; error: string };

/** Accepts only output that is JSON and fits the schema; anything else is a reason, never a summary. */
export function parseSummary(text: string): ParsedSummary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: `not valid JSON: ${JSON.stringify(text.slice(0, 60))}` };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'not a JSON object' };
  const { summary, keywords } = value as { summary?: unknown; keywords?: unknown };
  if (typeof summary !== 'string' || !summary.trim()) return { ok: false, error: 'no summary string' };
  if (!Array.isArray(keywords) || !keywords.every((word) => typeof word === 'string')) {
    return { ok: false, error: 'keywords is not an array of strings' };
  }
  return {
    ok: true,
    value: {
      summary: summary.trim().slice(0, MAX_SUMMARY_CHARS),
      keywords: [...new Set((keywords as string[]).map((word) => word.trim()).filter(Boolean))].slice(0, MAX_KEYWORDS),
    },
  };
}

function cutToTokens(text: string, budget: number): string {
  if (estimateTokens(text) <= budget) return text;
  // Estimates are per character class, so a binary search on length finds the cut quickly.
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (estimateTokens(text.slice(0, mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  return `${text.slice(0, low)}\n[…]`;
}
