/**
 * Deterministic local generateContent: an extractive summary of the user text, shaped by the
 * system instruction (word / sentence / keyword counts) and, in JSON mode, by the response schema.
 */
import { createHash } from 'node:crypto';
import { documentFacts, limitsFromInstruction } from './document-facts.js';
import type { GenerateRequest } from './requests.js';
import { defaultObject, valueForSchema } from './structured-output.js';
import { estimateTokenCount } from './tokens.js';

export type FinishReason = 'STOP' | 'MAX_TOKENS';

export interface GenerateContentResponse {
  candidates: Array<{
    content: { role: 'model'; parts: Array<{ text: string }> };
    finishReason: FinishReason;
    index: number;
  }>;
  usageMetadata: { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number };
  modelVersion: string;
  responseId: string;
}

export interface Answer {
  text: string;
  finishReason: FinishReason;
}

export function isJsonMode(request: GenerateRequest): boolean {
  return request.generation.responseMimeType === 'application/json';
}

/** The answer text for a request: plain summary, or JSON that satisfies the schema. */
export function answer(request: GenerateRequest): Answer {
  const facts = documentFacts(request.userText, limitsFromInstruction(request.systemText));
  const { responseSchema, responseJsonSchema, maxOutputTokens } = request.generation;
  if (isJsonMode(request)) {
    const schema = responseSchema ?? responseJsonSchema;
    const value = schema === undefined ? defaultObject(facts) : valueForSchema(schema, facts);
    return { text: JSON.stringify(value), finishReason: 'STOP' };
  }
  return maxOutputTokens === undefined ? { text: facts.summary, finishReason: 'STOP' } : truncateToTokens(facts.summary, maxOutputTokens);
}

/**
 * A JSON answer the caller cannot parse: an object or array cut in half as if the token limit
 * hit (a proper prefix of one is never valid JSON), or a scalar preceded by chatter.
 */
export function breakJson(answerText: string): Answer {
  if (answerText.startsWith('{') || answerText.startsWith('[')) {
    return { text: answerText.slice(0, Math.ceil(answerText.length / 2)), finishReason: 'MAX_TOKENS' };
  }
  return { text: `Sure! Here is the JSON you asked for: ${answerText}`, finishReason: 'STOP' };
}

export function toGenerateContentResponse(request: GenerateRequest, result: Answer, model: string): GenerateContentResponse {
  const promptTokenCount = estimateTokenCount(request.userText) + estimateTokenCount(request.systemText);
  const candidatesTokenCount = estimateTokenCount(result.text);
  return {
    candidates: [{ content: { role: 'model', parts: [{ text: result.text }] }, finishReason: result.finishReason, index: 0 }],
    usageMetadata: { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount },
    modelVersion: model.replace(/^models\//, ''),
    responseId: responseIdFor(model, request, result.text),
  };
}

function truncateToTokens(text: string, maxTokens: number): Answer {
  if (estimateTokenCount(text) <= maxTokens) return { text, finishReason: 'STOP' };
  const words = text.split(' ');
  while (words.length > 1 && estimateTokenCount(words.join(' ')) > maxTokens) words.pop();
  return { text: words.join(' '), finishReason: 'MAX_TOKENS' };
}

function responseIdFor(model: string, request: GenerateRequest, text: string): string {
  return createHash('sha1')
    .update(`${model}\u0000${request.systemText}\u0000${request.userText}\u0000${text}`)
    .digest('base64url')
    .slice(0, 23);
}
