import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_DIMS, EMBEDDER_ID, estimateTokenCount, hashEmbed } from '../src/emulator/index.js';
import { tokenize } from '../src/emulator/embedder.js';
import { cosine, norm } from './helpers/emulator-client.js';

describe('hashEmbed', () => {
  it('returns a unit vector of the requested size, 3072 by default', () => {
    for (const dims of [3, 128, 768]) {
      const vector = hashEmbed('Batch embeddings are half the price of interactive calls.', dims);
      expect(vector).toHaveLength(dims);
      expect(norm(vector)).toBeCloseTo(1, 6);
    }
    expect(hashEmbed('default size')).toHaveLength(DEFAULT_EMBEDDING_DIMS);
    expect(DEFAULT_EMBEDDING_DIMS).toBe(3072);
  });

  it('is deterministic and depends only on text and dims', () => {
    const text = 'LanceDB stores vectors on disk.';
    expect(hashEmbed(text, 256)).toEqual(hashEmbed(text, 256));
    expect(hashEmbed(text, 256)).not.toEqual(hashEmbed('LanceDB stores rows on disk.', 256));
    expect(EMBEDDER_ID).toMatch(/^hash-v1:/);
  });

  it('puts a related text nearer than an unrelated one', () => {
    const query = hashEmbed('how do batch job retries work', 768);
    const related = hashEmbed('Failed batch jobs are retried with exponential backoff; each retry resubmits the job.', 768);
    const unrelated = hashEmbed('The recipe needs two cups of flour and a pinch of salt.', 768);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.1);
  });

  it('folds case, width and diacritics and drops stopwords', () => {
    expect(tokenize('The CAFÉ in Ｔｏｋｙｏ')).toEqual(['the', 'cafe', 'in', 'tokyo']);
    expect(hashEmbed('The café', 64)).toEqual(hashEmbed('cafe', 64));
  });

  it('segments scripts written without spaces into words', () => {
    expect(tokenize('東京都に住んでいます').length).toBeGreaterThan(2);
    expect(tokenize('ภาษาไทยง่ายนิดเดียว').length).toBeGreaterThan(2);
    const query = hashEmbed('東京の天気', 512);
    expect(cosine(query, hashEmbed('東京の天気は晴れです', 512))).toBeGreaterThan(cosine(query, hashEmbed('大阪の料理はおいしい', 512)));
  });

  it('still gives a unit vector for stopword-only, punctuation-only and empty text', () => {
    for (const text of ['the and of', '!!! ???', '']) expect(norm(hashEmbed(text, 32))).toBeCloseTo(1, 6);
    expect(hashEmbed('the and of', 32)).not.toEqual(hashEmbed('!!! ???', 32));
  });
});

describe('estimateTokenCount', () => {
  it('counts about four characters per token, one per CJK character', () => {
    expect(estimateTokenCount('')).toBe(0);
    expect(estimateTokenCount('abcdefgh')).toBe(2);
    expect(estimateTokenCount('東京都')).toBe(3);
  });
});
