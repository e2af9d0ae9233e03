import type { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, hashEmbed, startEmulator } from '../src/emulator/index.js';
import {
  EMBEDDING_MODEL,
  GENERATION_MODEL,
  TEST_API_KEY,
  clientFor,
  cosine,
  googleError,
  norm,
} from './helpers/emulator-client.js';

let emulator: EmulatorHandle;
let ai: GoogleGenAI;

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 5 });
  ai = clientFor(emulator);
});

afterAll(async () => {
  await emulator.close();
});

describe('models.embedContent (batchEmbedContents)', () => {
  it('returns one vector per content, in order, at the requested size', async () => {
    const texts = ['how do retries work', 'Retries use exponential backoff between attempts.', 'Bananas are yellow.'];
    const response = await ai.models.embedContent({
      model: EMBEDDING_MODEL,
      contents: texts,
      config: { taskType: 'RETRIEVAL_QUERY', outputDimensionality: 768 },
    });
    const vectors = (response.embeddings ?? []).map((embedding) => embedding.values ?? []);
    expect(vectors).toHaveLength(3);
    for (const [i, values] of vectors.entries()) {
      expect(values).toHaveLength(768);
      expect(norm(values)).toBeCloseTo(1, 5);
      expect(values.map(Math.fround)).toEqual(Array.from(hashEmbed(texts[i] as string, 768)));
    }
    expect(cosine(vectors[0] ?? [], vectors[1] ?? [])).toBeGreaterThan(cosine(vectors[0] ?? [], vectors[2] ?? []));
    expect(emulator.stats.timesEmbedded(texts[1] as string, 'interactive')).toBe(1);
  });

  it('defaults to 3072 dimensions and gives the same vector for the same text', async () => {
    const [first, second] = await Promise.all(
      [1, 2].map(() => ai.models.embedContent({ model: EMBEDDING_MODEL, contents: 'same text, same vector' })),
    );
    const values = first?.embeddings?.[0]?.values ?? [];
    expect(values).toHaveLength(3072);
    expect(second?.embeddings?.[0]?.values).toEqual(values);
  });

  it('rejects more than 100 requests in one call, embedding none of them', async () => {
    const contents = Array.from({ length: 101 }, (_, i) => `text ${i} over the limit`);
    const error = await ai.models.embedContent({ model: EMBEDDING_MODEL, contents }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    expect(googleError(error)).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('at most 100') });
    expect(emulator.stats.timesEmbedded('text 0 over the limit')).toBe(0);
    const atLimit = await ai.models.embedContent({ model: EMBEDDING_MODEL, contents: contents.slice(0, 100), config: { outputDimensionality: 8 } });
    expect(atLimit.embeddings).toHaveLength(100);
  });

  it('serves :embedContent for callers that use it directly', async () => {
    const response = await fetch(`${emulator.url}/v1beta/models/${EMBEDDING_MODEL}:embedContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': TEST_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ content: { parts: [{ text: 'direct call' }] }, output_dimensionality: 32 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { embedding: { values: number[] } };
    expect(body.embedding.values.map(Math.fround)).toEqual(Array.from(hashEmbed('direct call', 32)));
  });
});

describe('models.generateContent', () => {
  const article = [
    '# Incremental indexing',
    'The indexer keys every chunk by a hash of its text.',
    'Unchanged chunks are never embedded again, which keeps nightly rebuilds cheap.',
    'Deleted files leave the index.',
    'The weather was pleasant.',
  ].join('\n');

  it('returns an extractive summary with usage metadata', async () => {
    const response = await ai.models.generateContent({ model: GENERATION_MODEL, contents: article });
    const text = response.text ?? '';
    expect(text.length).toBeGreaterThan(0);
    for (const sentence of text.split(/(?<=\.) /)) expect(article).toContain(sentence);
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.candidates?.[0]?.content?.role).toBe('model');
    expect(response.modelVersion).toBe(GENERATION_MODEL);
    expect(response.responseId).toBeTruthy();
    const usage = response.usageMetadata;
    expect((usage?.promptTokenCount ?? 0) + (usage?.candidatesTokenCount ?? 0)).toBe(usage?.totalTokenCount);
  });

  it('honours a word limit and a response schema', async () => {
    const response = await ai.models.generateContent({
      model: GENERATION_MODEL,
      contents: article,
      config: {
        systemInstruction: 'Write a summary of no more than ten words and give two tags.',
        responseMimeType: 'application/json',
        responseSchema: {
          type: 'object',
          properties: {
            title: { type: 'string' },
            summary: { type: 'string' },
            tags: { type: 'array', items: { type: 'string' } },
            language: { type: 'string' },
            confidence: { type: 'number', minimum: 0, maximum: 1 },
            draft: { type: 'boolean' },
            kind: { type: 'string', enum: ['guide', 'reference'] },
          },
        },
      },
    });
    const parsed = JSON.parse(response.text ?? '') as Record<string, unknown>;
    expect(parsed['title']).toBe('Incremental indexing');
    expect(String(parsed['summary']).split(' ').length).toBeLessThanOrEqual(10);
    expect(parsed['tags']).toHaveLength(2);
    expect(parsed['language']).toBe('en');
    expect(parsed['confidence']).toBeGreaterThanOrEqual(0);
    expect(parsed['draft']).toBe(false);
    expect(parsed['kind']).toBe('guide');
  });

  it('rejects a request without contents', async () => {
    const error = await ai.models.generateContent({ model: GENERATION_MODEL, contents: [{ role: 'user', parts: [] }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
  });
});
