/** Extractive facts about a text: a summary of its best sentences, keywords, a title, its language. */
import { tokenize } from './embedder.js';
import { ENGLISH_STOPWORDS } from './stopwords.js';

export interface DocumentFacts {
  summary: string;
  /** The summary's sentences, in document order. */
  summarySentences: string[];
  keywords: string[];
  title: string;
  language: string;
  wordCount: number;
  sentenceCount: number;
}

export interface SummaryLimits {
  sentences?: number;
  words?: number;
  keywords?: number;
}

const DEFAULT_KEYWORDS = 5;
const TITLE_WORDS = 10;
const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };
const COUNT = String.raw`(\d+|one|two|three|four|five|six|seven|eight|nine|ten)`;

/** Limits stated in an instruction, e.g. "in at most 40 words", "two sentences", "5 keywords". */
export function limitsFromInstruction(instruction: string): SummaryLimits {
  const limits: SummaryLimits = {};
  const find = (noun: string): number | undefined => {
    const match = new RegExp(`${COUNT}[\\s-]+${noun}`, 'i').exec(instruction);
    if (!match) return undefined;
    const word = (match[1] ?? '').toLowerCase();
    return NUMBER_WORDS[word] ?? Number.parseInt(word, 10);
  };
  const words = find('words?');
  const sentences = find('sentences?');
  const keywords = find('(?:keywords?|key words?|tags?|keyphrases?)');
  if (words) limits.words = words;
  if (sentences) limits.sentences = sentences;
  if (keywords) limits.keywords = keywords;
  return limits;
}

export function documentFacts(text: string, limits: SummaryLimits = {}): DocumentFacts {
  const sentences = splitSentences(text);
  const contentTokens = tokenize(text).filter((token) => !ENGLISH_STOPWORDS.has(token));
  const termFrequency = new Map<string, number>();
  for (const token of contentTokens) termFrequency.set(token, (termFrequency.get(token) ?? 0) + 1);

  const sentenceLimit = limits.sentences ?? (sentences.length > 6 ? 3 : 2);
  const chosen = topSentences(sentences, termFrequency, sentenceLimit);
  const summarySentences = limits.words ? truncateWords(chosen, limits.words) : chosen;
  const wordCount = text.split(/\s+/).filter((word) => word.length > 0).length;
  return {
    summary: summarySentences.join(' '),
    summarySentences,
    keywords: topKeywords(termFrequency, limits.keywords ?? DEFAULT_KEYWORDS),
    title: titleOf(text, sentences),
    language: guessLanguage(text),
    wordCount,
    sentenceCount: sentences.length,
  };
}

function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const line of text.split(/\n+/)) {
    const cleaned = line.replace(/^\s*(?:#{1,6}|[-*+>]|\d+[.)])\s+/, '').replace(/\s+/g, ' ').trim();
    if (cleaned.length === 0 || cleaned.startsWith('```')) continue;
    for (const { segment } of sentenceSegmenter.segment(cleaned)) {
      const sentence = segment.trim();
      if (sentence.length > 0) sentences.push(sentence);
    }
  }
  return sentences;
}

/** The best-scoring sentences (sum of term frequencies, length-damped, lead sentence favoured), in document order. */
function topSentences(sentences: string[], termFrequency: Map<string, number>, limit: number): string[] {
  const scored = sentences.map((sentence, index) => {
    const distinct = new Set(tokenize(sentence).filter((token) => !ENGLISH_STOPWORDS.has(token)));
    let score = 0;
    for (const token of distinct) score += termFrequency.get(token) ?? 0;
    score /= Math.sqrt(distinct.size + 1);
    if (index === 0) score *= 1.2;
    return { sentence, index, score };
  });
  return scored
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, Math.max(1, limit))
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.sentence);
}

function truncateWords(sentences: string[], maxWords: number): string[] {
  const kept: string[] = [];
  let budget = maxWords;
  for (const sentence of sentences) {
    if (budget <= 0) break;
    const words = sentence.split(' ');
    kept.push(words.length <= budget ? sentence : words.slice(0, budget).join(' '));
    budget -= words.length;
  }
  return kept;
}

function topKeywords(termFrequency: Map<string, number>, limit: number): string[] {
  // Map iteration order is first occurrence, and the sort is stable, so ties keep document order.
  return [...termFrequency.entries()]
    .filter(([token]) => token.length >= 3 && !/^\d+$/.test(token))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([token]) => token);
}

function titleOf(text: string, sentences: string[]): string {
  const heading = /^\s*#{1,6}\s+(.+)$/m.exec(text)?.[1];
  const source = heading ?? sentences[0] ?? text.trim();
  return source.split(/\s+/).slice(0, TITLE_WORDS).join(' ').replace(/[.:;,]$/, '');
}

function guessLanguage(text: string): string {
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return 'ja';
  if (/\p{Script=Hangul}/u.test(text)) return 'ko';
  if (/\p{Script=Han}/u.test(text)) return 'zh';
  if (/\p{Script=Thai}/u.test(text)) return 'th';
  if (/\p{Script=Cyrillic}/u.test(text)) return 'ru';
  if (/\p{Script=Arabic}/u.test(text)) return 'ar';
  return 'en';
}
