/**
 * Deterministic feature-hashing text embedder (the measured design in docs/offline-embedder.md).
 *
 * Tokens: NFKD, lowercase, runs of letters/digits, combining marks stripped, English stopwords
 * dropped; scripts written without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar) are split into
 * words with Intl.Segmenter. Features: word unigrams (weight 1.0), bigrams of adjacent kept words
 * (0.5) and character 3–5-grams of each kept word wrapped in `<` `>` (0.7). Each feature is
 * hashed with FNV-1a 32 (over UTF-16 code units, per-group seed) and the murmur3 finalizer;
 * bucket = hash mod dims, sign from a second mix. Term weight 1 + ln(tf); each group is
 * L2-normalised, the groups are summed with their weights and the sum is L2-normalised.
 *
 * The vector depends only on the text and the dimensionality, so any caller can recompute it.
 */
import { FNV_OFFSET_BASIS, fmix32, fnvStep, fnvString } from '../hash/fnv.js';
import { ENGLISH_STOPWORDS } from './stopwords.js';

/** Names the embedder version; changes whenever a vector for the same (text, dims) could change. */
export const EMBEDDER_ID = 'hash-v1:uni1,bi0.5,char3-5@0.7:stop-en:fnv1a32-fmix32:segmenter';

/** gemini-embedding-001's default output dimensionality. */
export const DEFAULT_EMBEDDING_DIMS = 3072;

const UNIGRAM_WEIGHT = 1.0;
const BIGRAM_WEIGHT = 0.5;
const CHAR_NGRAM_WEIGHT = 0.7;
const MIN_CHAR_NGRAM = 3;
const MAX_CHAR_NGRAM = 5;

const UNIGRAM_SEED = groupSeed(1);
const BIGRAM_SEED = groupSeed(2);
const CHAR_NGRAM_SEED = groupSeed(3);
const SIGN_SALT = 0x5bd1e995;
const BIGRAM_SEPARATOR = 0x20;
const WORD_START = 0x3c; // '<'
const WORD_END = 0x3e; // '>'

const WORD_RUN = /[\p{L}\p{N}\p{M}]+/gu;
const ASCII_WORD_RUN = /[a-z0-9]+/g;
const COMBINING_MARKS = /\p{M}+/gu;
const UNSPACED_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const NON_ASCII = /[^\x00-\x7f]/;

// A fixed locale keeps segmentation independent of the machine's default locale.
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

function groupSeed(group: number): number {
  return Math.imul(FNV_OFFSET_BASIS ^ Math.imul(group, 0x9e3779b1), 1) >>> 0;
}

/** Embeds `text` into a unit-length vector of `dims` dimensions. */
export function hashEmbed(text: string, dims: number = DEFAULT_EMBEDDING_DIMS): Float32Array {
  if (!Number.isInteger(dims) || dims < 1) {
    throw new RangeError(`dims must be a positive integer, got ${dims}`);
  }
  const scratch = scratchFor(dims);
  const allTokens = tokenize(text);
  const kept = allTokens.filter((token) => !ENGLISH_STOPWORDS.has(token));
  // A text made only of stopwords still deserves a vector that reflects its words.
  const tokens = kept.length > 0 ? kept : allTokens;
  if (tokens.length === 0) return fallbackVector(text, dims);

  const { counter, sum } = scratch;
  sum.clear();
  addGroup(countUnigrams(tokens, counter), UNIGRAM_WEIGHT, scratch, dims);
  addGroup(countBigrams(tokens, counter), BIGRAM_WEIGHT, scratch, dims);
  addGroup(countCharNgrams(tokens, counter), CHAR_NGRAM_WEIGHT, scratch, dims);

  const squares = sum.sumOfSquares();
  if (squares === 0) return fallbackVector(text, dims);
  const norm = Math.sqrt(squares);
  const out = new Float32Array(dims);
  for (let i = 0; i < sum.count; i++) {
    const bucket = sum.touched[i];
    out[bucket] = sum.values[bucket] / norm;
  }
  return out;
}

/** Splits text into lowercase, mark-free word tokens (stopwords included). */
export function tokenize(text: string): string[] {
  const isAscii = !NON_ASCII.test(text);
  const prepared = isAscii ? text.toLowerCase() : text.normalize('NFKD').toLowerCase();
  const tokens: string[] = [];
  for (const match of prepared.matchAll(isAscii ? ASCII_WORD_RUN : WORD_RUN)) {
    const run = match[0];
    if (isAscii) {
      tokens.push(run);
    } else if (UNSPACED_SCRIPT.test(run)) {
      pushSegmentedWords(run, tokens);
    } else {
      pushWithoutMarks(run, tokens);
    }
  }
  return tokens;
}

function pushSegmentedWords(run: string, tokens: string[]): void {
  // Recompose first: the dictionaries behind the segmenter expect composed kana and vowels.
  for (const segment of wordSegmenter.segment(run.normalize('NFC'))) {
    if (segment.isWordLike) pushWithoutMarks(segment.segment.normalize('NFKD'), tokens);
  }
}

function pushWithoutMarks(word: string, tokens: string[]): void {
  const bare = word.replace(COMBINING_MARKS, '');
  if (bare.length > 0) tokens.push(bare);
}

/**
 * Counts feature occurrences (keyed by the mixed 32-bit feature hash) in an open-addressing
 * table that is reused across texts: clearing is a generation bump, not a refill.
 */
class FeatureCounter {
  size = 0;
  private keys = new Uint32Array(1024);
  private counts = new Uint32Array(1024);
  private stamps = new Uint32Array(1024);
  /** Slots in insertion order, so iteration order does not depend on the table layout. */
  private order = new Uint32Array(512);
  private generation = 1;

  add(feature: number): void {
    if (this.size * 2 >= this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let slot = feature & mask;
    while (this.stamps[slot] === this.generation) {
      if (this.keys[slot] === feature) {
        this.counts[slot] += 1;
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.stamps[slot] = this.generation;
    this.keys[slot] = feature;
    this.counts[slot] = 1;
    this.order[this.size++] = slot;
  }

  featureAt(index: number): number {
    return this.keys[this.order[index]];
  }

  countAt(index: number): number {
    return this.counts[this.order[index]];
  }

  clear(): void {
    this.size = 0;
    this.generation += 1;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  private grow(): void {
    const entries = Array.from({ length: this.size }, (_, i) => [this.featureAt(i), this.countAt(i)] as const);
    const capacity = this.keys.length * 2;
    this.keys = new Uint32Array(capacity);
    this.counts = new Uint32Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.order = new Uint32Array(capacity / 2);
    this.size = 0;
    this.generation = 1;
    for (const [feature, count] of entries) {
      this.add(feature);
      this.counts[this.order[this.size - 1]] = count;
    }
  }
}

/** A dims-long vector that remembers the entries it touched, so clearing and scanning cost only those. */
class SparseVector {
  readonly values: Float64Array;
  readonly touched: Uint32Array;
  count = 0;
  private readonly stamps: Uint32Array;
  private generation = 1;

  constructor(dims: number) {
    this.values = new Float64Array(dims);
    this.touched = new Uint32Array(dims);
    this.stamps = new Uint32Array(dims);
  }

  add(index: number, delta: number): void {
    if (this.stamps[index] !== this.generation) {
      this.stamps[index] = this.generation;
      this.values[index] = 0;
      this.touched[this.count++] = index;
    }
    this.values[index] += delta;
  }

  sumOfSquares(): number {
    let squares = 0;
    for (let i = 0; i < this.count; i++) squares += this.values[this.touched[i]] ** 2;
    return squares;
  }

  clear(): void {
    this.count = 0;
    this.generation += 1;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }
}

interface Scratch {
  counter: FeatureCounter;
  group: SparseVector;
  sum: SparseVector;
}

const scratchByDims = new Map<number, Scratch>();

function scratchFor(dims: number): Scratch {
  let scratch = scratchByDims.get(dims);
  if (!scratch) {
    scratch = { counter: new FeatureCounter(), group: new SparseVector(dims), sum: new SparseVector(dims) };
    scratchByDims.set(dims, scratch);
  }
  return scratch;
}

function countUnigrams(tokens: string[], counter: FeatureCounter): FeatureCounter {
  for (const token of tokens) counter.add(fmix32(fnvString(UNIGRAM_SEED, token)));
  return counter;
}

function countBigrams(tokens: string[], counter: FeatureCounter): FeatureCounter {
  for (let i = 1; i < tokens.length; i++) {
    const left = fnvString(BIGRAM_SEED, tokens[i - 1]);
    counter.add(fmix32(fnvString(fnvStep(left, BIGRAM_SEPARATOR), tokens[i])));
  }
  return counter;
}

/** Char n-grams of `<token>`, hashed incrementally so no substring is ever allocated. */
function countCharNgrams(tokens: string[], counter: FeatureCounter): FeatureCounter {
  for (const token of tokens) {
    const length = token.length + 2;
    for (let start = 0; start + MIN_CHAR_NGRAM <= length; start++) {
      let h = CHAR_NGRAM_SEED;
      for (let n = 1; n <= MAX_CHAR_NGRAM && start + n <= length; n++) {
        const at = start + n - 1;
        h = fnvStep(h, at === 0 ? WORD_START : at === length - 1 ? WORD_END : token.charCodeAt(at - 1));
        if (n >= MIN_CHAR_NGRAM) counter.add(fmix32(h));
      }
    }
  }
  return counter;
}

/** Adds the counted group's L2-normalised tf vector, scaled by `weight`, into `sum`; clears the counter. */
function addGroup(counter: FeatureCounter, weight: number, { group, sum }: Scratch, dims: number): void {
  group.clear();
  for (let i = 0; i < counter.size; i++) {
    const feature = counter.featureAt(i);
    const sign = fmix32(feature ^ SIGN_SALT) & 1 ? -1 : 1;
    group.add(feature % dims, sign * (1 + Math.log(counter.countAt(i))));
  }
  counter.clear();
  const squares = group.sumOfSquares();
  if (squares === 0) return;
  const scale = weight / Math.sqrt(squares);
  for (let i = 0; i < group.count; i++) {
    const bucket = group.touched[i];
    sum.add(bucket, group.values[bucket] * scale);
  }
}

/** Text without any letters or digits: a one-hot vector chosen by the raw text, still unit length. */
function fallbackVector(text: string, dims: number): Float32Array {
  const out = new Float32Array(dims);
  out[fmix32(fnvString(UNIGRAM_SEED, text)) % dims] = 1;
  return out;
}
