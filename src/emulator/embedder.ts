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

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
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
  textWords.read(text);
  if (textWords.length === 0) return fallbackVector(text, dims);

  const scratch = scratchFor(dims);
  const { counter, sum } = scratch;
  sum.clear();
  addGroup(countUnigrams(textWords, counter), UNIGRAM_WEIGHT, scratch, dims);
  addGroup(countBigrams(textWords, counter), BIGRAM_WEIGHT, scratch, dims);
  addGroup(countCharNgrams(textWords, counter), CHAR_NGRAM_WEIGHT, scratch, dims);

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
  textWords.readTokens(text);
  return textWords.tokenStrings();
}

/** The Unicode path of tokenize: NFKD, word runs, marks stripped, unspaced scripts segmented. */
function unicodeTokens(text: string): string[] {
  const prepared = text.normalize('NFKD').toLowerCase();
  const tokens: string[] = [];
  let runStart = -1;
  let runIsAscii = true;
  for (let i = 0; i < prepared.length; ) {
    const code = prepared.codePointAt(i) as number;
    if (code < 0x80 ? isAsciiLetterOrDigit(code) : isWordCodePoint(code)) {
      if (runStart < 0) {
        runStart = i;
        runIsAscii = true;
      }
      if (code >= 0x80) runIsAscii = false;
    } else if (runStart >= 0) {
      pushRun(prepared.slice(runStart, i), runIsAscii, tokens);
      runStart = -1;
    }
    i += code > 0xffff ? 2 : 1;
  }
  if (runStart >= 0) pushRun(prepared.slice(runStart), runIsAscii, tokens);
  return tokens;
}

function pushRun(run: string, isAscii: boolean, tokens: string[]): void {
  // An ASCII run has nothing to segment or strip.
  if (isAscii) tokens.push(run);
  else if (UNSPACED_SCRIPT.test(run)) pushSegmentedWords(run, tokens);
  else pushWithoutMarks(run, tokens);
}

function isAsciiLetterOrDigit(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39);
}

/** Whether a non-ASCII code point is a letter, digit or mark (a regex test); answers for the BMP are kept. */
const bmpWordKinds = new Uint8Array(0x10000);
const UNKNOWN = 0;
const WORD = 1;
const NOT_WORD = 2;

function isWordCodePoint(code: number): boolean {
  if (code > 0xffff) return WORD_CHAR.test(String.fromCodePoint(code));
  let kind = bmpWordKinds[code];
  if (kind === UNKNOWN) {
    kind = WORD_CHAR.test(String.fromCharCode(code)) ? WORD : NOT_WORD;
    bmpWordKinds[code] = kind;
  }
  return kind === WORD;
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

/** FNV-1a 32 over `text[start, end)`, continuing from `hash`. */
function fnvSpan(hash: number, text: string, start: number, end: number): number {
  let h = hash;
  for (let i = start; i < end; i++) h = fnvStep(h, text.charCodeAt(i));
  return h;
}

function spanEquals(text: string, start: number, end: number, other: string, otherStart: number, otherEnd: number): boolean {
  if (end - start !== otherEnd - otherStart) return false;
  for (let i = start, j = otherStart; i < end; i++, j++) if (text.charCodeAt(i) !== other.charCodeAt(j)) return false;
  return true;
}

function unigramFeature(text: string, start: number, end: number): number {
  return fmix32(fnvSpan(UNIGRAM_SEED, text, start, end));
}

/**
 * Stopwords by unigram feature, so a token is checked without making a string of it. Keys are the
 * features as int32 (`| 0`): small integers look up faster than uint32s above 2^31.
 */
const stopwordsByFeature = new Map<number, string[]>();
for (const word of ENGLISH_STOPWORDS) {
  const key = unigramFeature(word, 0, word.length) | 0;
  stopwordsByFeature.set(key, [...(stopwordsByFeature.get(key) ?? []), word]);
}

function isStopword(feature: number, text: string, start: number, end: number): boolean {
  const words = stopwordsByFeature.get(feature | 0);
  return words !== undefined && words.some((word) => spanEquals(text, start, end, word, 0, word.length));
}

/** `array`, or a copy at least `minLength` long (doubling) when it is shorter. */
function atLeast<T extends Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(array: T, minLength: number): T {
  if (array.length >= minLength) return array;
  const grown = new (array.constructor as new (length: number) => T)(Math.max(minLength, array.length * 2));
  grown.set(array);
  return grown;
}

/**
 * The words of one text as spans of one lowercase string: every token, then the kept words (stopwords
 * dropped unless nothing else is left) in text order as ids of distinct words, and the distinct words
 * in order of first occurrence with their counts. Features of a distinct word are computed once and
 * counted `count` times; since repeats never add a new feature, first-occurrence order is the same as
 * counting word by word. Buffers are reused across texts.
 */
class TextWords {
  /** Kept words in text order, as distinct-word ids. */
  sequence = new Int32Array(1024);
  length = 0;
  distinctCount = 0;
  wordStarts = new Int32Array(512);
  wordEnds = new Int32Array(512);
  wordCounts = new Uint32Array(512);
  wordFeatures = new Uint32Array(512);
  source = '';
  private tokenCount = 0;
  private tokenStarts = new Int32Array(1024);
  private tokenEnds = new Int32Array(1024);
  private tokenFeatures = new Uint32Array(1024);
  /** Open addressing by unigram feature: slot → distinct-word id, valid where stamped with `generation`. */
  private slots = new Int32Array(1024);
  private stamps = new Uint32Array(1024);
  private generation = 1;

  read(text: string): void {
    this.readTokens(text);
    this.keepWords(true);
    // A text made only of stopwords still deserves a vector that reflects its words.
    if (this.length === 0) this.keepWords(false);
  }

  readTokens(text: string): void {
    this.tokenCount = 0;
    if (NON_ASCII.test(text)) {
      const tokens = unicodeTokens(text);
      this.source = tokens.join(' ');
      let start = 0;
      for (const token of tokens) {
        this.pushToken(start, start + token.length);
        start += token.length + 1;
      }
      return;
    }
    const source = text.toLowerCase();
    this.source = source;
    let start = -1;
    for (let i = 0; i < source.length; i++) {
      if (isAsciiLetterOrDigit(source.charCodeAt(i))) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        this.pushToken(start, i);
        start = -1;
      }
    }
    if (start >= 0) this.pushToken(start, source.length);
  }

  tokenStrings(): string[] {
    return Array.from({ length: this.tokenCount }, (_, i) => this.source.slice(this.tokenStarts[i], this.tokenEnds[i]));
  }

  private pushToken(start: number, end: number): void {
    if (this.tokenCount === this.tokenStarts.length) {
      this.tokenStarts = atLeast(this.tokenStarts, this.tokenCount + 1);
      this.tokenEnds = atLeast(this.tokenEnds, this.tokenCount + 1);
      this.tokenFeatures = atLeast(this.tokenFeatures, this.tokenCount + 1);
    }
    this.tokenStarts[this.tokenCount] = start;
    this.tokenEnds[this.tokenCount] = end;
    this.tokenFeatures[this.tokenCount] = unigramFeature(this.source, start, end);
    this.tokenCount++;
  }

  private keepWords(dropStopwords: boolean): void {
    this.length = 0;
    this.distinctCount = 0;
    this.nextGeneration();
    this.sequence = atLeast(this.sequence, this.tokenCount);
    for (let i = 0; i < this.tokenCount; i++) {
      const start = this.tokenStarts[i];
      const end = this.tokenEnds[i];
      const feature = this.tokenFeatures[i];
      if (dropStopwords && isStopword(feature, this.source, start, end)) continue;
      this.sequence[this.length++] = this.wordId(feature, start, end);
    }
  }

  private wordId(feature: number, start: number, end: number): number {
    if (this.distinctCount * 2 >= this.slots.length) this.growSlots();
    const mask = this.slots.length - 1;
    for (let slot = feature & mask; ; slot = (slot + 1) & mask) {
      if (this.stamps[slot] !== this.generation) {
        this.stamps[slot] = this.generation;
        return (this.slots[slot] = this.addWord(feature, start, end));
      }
      const id = this.slots[slot];
      if (this.wordFeatures[id] === feature && spanEquals(this.source, start, end, this.source, this.wordStarts[id], this.wordEnds[id])) {
        this.wordCounts[id]++;
        return id;
      }
    }
  }

  private addWord(feature: number, start: number, end: number): number {
    const id = this.distinctCount++;
    if (id === this.wordStarts.length) {
      this.wordStarts = atLeast(this.wordStarts, id + 1);
      this.wordEnds = atLeast(this.wordEnds, id + 1);
      this.wordCounts = atLeast(this.wordCounts, id + 1);
      this.wordFeatures = atLeast(this.wordFeatures, id + 1);
    }
    this.wordStarts[id] = start;
    this.wordEnds[id] = end;
    this.wordCounts[id] = 1;
    this.wordFeatures[id] = feature;
    return id;
  }

  private growSlots(): void {
    const capacity = this.slots.length * 2;
    this.slots = new Int32Array(capacity);
    this.stamps = new Uint32Array(capacity);
    this.generation = 1;
    const mask = capacity - 1;
    for (let id = 0; id < this.distinctCount; id++) {
      let slot = this.wordFeatures[id] & mask;
      while (this.stamps[slot] === this.generation) slot = (slot + 1) & mask;
      this.stamps[slot] = this.generation;
      this.slots[slot] = id;
    }
  }

  private nextGeneration(): void {
    this.generation += 1;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }
}

const textWords = new TextWords();

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

  add(feature: number, count: number): void {
    if (this.size * 2 >= this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let slot = feature & mask;
    while (this.stamps[slot] === this.generation) {
      if (this.keys[slot] === feature) {
        this.counts[slot] += count;
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.stamps[slot] = this.generation;
    this.keys[slot] = feature;
    this.counts[slot] = count;
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
    for (const [feature, count] of entries) this.add(feature, count);
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

function countUnigrams(words: TextWords, counter: FeatureCounter): FeatureCounter {
  for (let id = 0; id < words.distinctCount; id++) counter.add(words.wordFeatures[id], words.wordCounts[id]);
  return counter;
}

function countBigrams(words: TextWords, counter: FeatureCounter): FeatureCounter {
  const { source, sequence, wordStarts, wordEnds } = words;
  for (let i = 1; i < words.length; i++) {
    const left = sequence[i - 1];
    const right = sequence[i];
    const leftHash = fnvSpan(BIGRAM_SEED, source, wordStarts[left], wordEnds[left]);
    counter.add(fmix32(fnvSpan(fnvStep(leftHash, BIGRAM_SEPARATOR), source, wordStarts[right], wordEnds[right])), 1);
  }
  return counter;
}

/** Char n-grams of `<word>`, hashed incrementally so no substring is ever allocated. */
function countCharNgrams(words: TextWords, counter: FeatureCounter): FeatureCounter {
  const { source } = words;
  for (let id = 0; id < words.distinctCount; id++) {
    const offset = words.wordStarts[id] - 1;
    const length = words.wordEnds[id] - offset + 1;
    const count = words.wordCounts[id];
    for (let start = 0; start + MIN_CHAR_NGRAM <= length; start++) {
      let h = CHAR_NGRAM_SEED;
      for (let n = 1; n <= MAX_CHAR_NGRAM && start + n <= length; n++) {
        const at = start + n - 1;
        h = fnvStep(h, at === 0 ? WORD_START : at === length - 1 ? WORD_END : source.charCodeAt(offset + at));
        if (n >= MIN_CHAR_NGRAM) counter.add(fmix32(h), count);
      }
    }
  }
  return counter;
}

/** 1 + ln(tf); most features occur a few times, so those weights are looked up. */
const TERM_WEIGHTS = Float64Array.from({ length: 64 }, (_, tf) => 1 + Math.log(tf));

function termWeight(tf: number): number {
  return tf < TERM_WEIGHTS.length ? TERM_WEIGHTS[tf] : 1 + Math.log(tf);
}

/** `feature % dims` for a uint32 feature, in two small-integer steps (a uint32 above 2^31 would take a float modulo). */
function bucketOf(feature: number, dims: number): number {
  return (((feature >>> 16) % dims) * 0x10000 + (feature & 0xffff)) % dims;
}

/** Adds the counted group's L2-normalised tf vector, scaled by `weight`, into `sum`; clears the counter. */
function addGroup(counter: FeatureCounter, weight: number, { group, sum }: Scratch, dims: number): void {
  group.clear();
  for (let i = 0; i < counter.size; i++) {
    const feature = counter.featureAt(i);
    const sign = fmix32(feature ^ SIGN_SALT) & 1 ? -1 : 1;
    group.add(bucketOf(feature, dims), sign * termWeight(counter.countAt(i)));
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
