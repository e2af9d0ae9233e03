import { ENGLISH_STOPWORDS } from '../emulator/stopwords.js';

export interface Snippet {
  text: string;
  /** [start, end) character ranges of `text` holding a word that matches a query term. */
  matches: [number, number][];
}

export const SNIPPET_WIDTH = 240;

const WORD = /[\p{L}\p{N}]+/gu;
/** Endings that make two words one for highlighting: build/builds/building, resume/resumed. */
const INFLECTIONS = new Set(['', 'e', 's', 'es', 'd', 'ed', 'ing', 'er', 'ers', 'y', 'ies', 'ied']);
const MIN_STEM = 3;

const CODE_FENCE = /^\s*(```|~~~)/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
// `**bold**` and `__bold__` as words, not the stars of a glob such as `docs/**` or `"**/*.md"`.
const EMPHASIS = /(^|[\s([{])(?:\*\*|__)(?=\S)([^*_`]+?)(?<=\S)(?:\*\*|__)(?![\p{L}\p{N}])/gu;

/**
 * The words of a query worth finding: lower-cased, at least 2 characters, without the English
 * stopwords both the hashing embedder and the full-text index ignore ("how", "do", "my").
 */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(WORD) ?? [];
  return [...new Set(words.filter((word) => word.length >= 2 && !ENGLISH_STOPWORDS.has(word)))];
}

/**
 * Each term weighted like IDF over `texts` (the chunks a search ranked): a term most of them
 * contain, such as the product's name, says little about why one of them matched.
 */
export function weighTerms(terms: readonly string[], texts: readonly string[]): Map<string, number> {
  const containing = new Map(terms.map((term) => [term, 0]));
  for (const text of texts) {
    for (const term of new Set(termMatches(text, terms).map((match) => match.term))) containing.set(term, containing.get(term)! + 1);
  }
  return new Map(terms.map((term) => [term, Math.log(1 + (texts.length + 1) / (containing.get(term)! + 1))]));
}

/** True when `word` is `term` or an inflection of it; both lower-case. */
export function sameWord(word: string, term: string): boolean {
  if (word === term) return true;
  let common = 0;
  while (common < word.length && common < term.length && word[common] === term[common]) common++;
  if (common < MIN_STEM) return false;
  return isInflection(word, common) && isInflection(term, common);
}

/** Whether what follows `stem` characters of `word` is an ending, allowing a doubled consonant (running). */
function isInflection(word: string, stem: number): boolean {
  const rest = word.slice(stem);
  return INFLECTIONS.has(rest) || (rest[0] === word[stem - 1] && INFLECTIONS.has(rest.slice(1)));
}

/**
 * A chunk as one line of prose. For Markdown: code fence lines, table rules and emphasis markers
 * dropped, table rows as cells between bars ending in a semicolon, headings the trail already shows
 * dropped, other headings kept as text ending in a colon. Code blocks keep their lines as they are.
 */
export function readableText(text: string, options: { markdown: boolean; trail?: readonly string[] }): string {
  const lines = options.markdown ? markdownProse(text.split('\n'), new Set(options.trail)) : [text];
  return lines.join(' ').replace(/\s+/g, ' ').trim();
}

function markdownProse(lines: readonly string[], trail: ReadonlySet<string>): string[] {
  const prose: string[] = [];
  let inCode = false;
  for (const line of lines) {
    if (CODE_FENCE.test(line)) inCode = !inCode;
    else if (inCode) prose.push(line);
    else if (TABLE_RULE.test(line)) continue;
    else if (HEADING.test(line)) {
      const heading = HEADING.exec(line)![1];
      if (!trail.has(heading)) prose.push(/[.:?!]$/.test(heading) ? heading : `${heading}:`);
    } else if (TABLE_ROW.test(line)) prose.push(`${line.trim().replace(/^\|\s*|\s*\|$/g, '')};`);
    else prose.push(line.replace(EMPHASIS, '$1$2'));
  }
  return prose;
}

/**
 * The window of `text` (about `width` characters, cut at word boundaries, starting at a sentence
 * when one starts shortly before) whose distinct query terms weigh the most, with where they are.
 */
export function bestSnippet(text: string, weights: ReadonlyMap<string, number>, width = SNIPPET_WIDTH): Snippet {
  const matches = termMatches(text, [...weights.keys()]);
  let start = 0;
  if (text.length > width && matches.length > 0) {
    let best = 0;
    for (const match of matches) {
      const windowStart = contextStart(text, match.start, Math.floor(width / 4));
      const inside = new Set(matches.filter((m) => m.start >= windowStart && m.end <= windowStart + width).map((m) => m.term));
      const weight = [...inside].reduce((sum, term) => sum + weights.get(term)!, 0);
      if (weight > best) {
        best = weight;
        start = windowStart;
      }
    }
  }
  const end = start + width >= text.length ? text.length : wordEnd(text, start + width);
  const prefix = start > 0 ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  return {
    text: `${prefix}${text.slice(start, end)}${suffix}`,
    matches: matches
      .filter((m) => m.start >= start && m.end <= end)
      .map((m): [number, number] => [m.start - start + prefix.length, m.end - start + prefix.length]),
  };
}

/** Wraps each match in the given markers (ANSI codes on a terminal). */
export function highlight(snippet: Snippet, open: string, close: string): string {
  let result = '';
  let last = 0;
  for (const [start, end] of snippet.matches) {
    result += snippet.text.slice(last, start) + open + snippet.text.slice(start, end) + close;
    last = end;
  }
  return result + snippet.text.slice(last);
}

/** Breaks a snippet into lines of at most `width` characters at spaces, keeping its matches. */
export function wrapSnippet(snippet: Snippet, width: number): Snippet[] {
  const lines: Snippet[] = [];
  let start = 0;
  const { text } = snippet;
  while (start < text.length) {
    let end = text.length;
    if (end - start > width) {
      const space = text.lastIndexOf(' ', start + width);
      end = space > start ? space : wordEnd(text, start + width);
    }
    lines.push({
      text: text.slice(start, end),
      matches: snippet.matches.filter(([s, e]) => s >= start && e <= end).map(([s, e]): [number, number] => [s - start, e - start]),
    });
    start = end + 1;
  }
  return lines;
}

interface TermMatch {
  start: number;
  end: number;
  term: string;
}

function termMatches(text: string, terms: readonly string[]): TermMatch[] {
  if (terms.length === 0) return [];
  const found: TermMatch[] = [];
  for (const word of text.matchAll(WORD)) {
    const lower = word[0].toLowerCase();
    const term = terms.find((candidate) => sameWord(lower, candidate));
    if (term) found.push({ start: word.index, end: word.index + word[0].length, term });
  }
  return found;
}

/** Where to start showing a match: the sentence it is in if that starts within `lead`, else a word `lead` before. */
function contextStart(text: string, matchStart: number, lead: number): number {
  const earliest = Math.max(0, matchStart - lead);
  if (earliest === 0) return 0;
  const sentence = Math.max(...['. ', '? ', '! ', ': ', '; '].map((mark) => text.lastIndexOf(mark, matchStart - 1)));
  if (sentence >= earliest) return sentence + 2;
  const space = text.indexOf(' ', earliest);
  return space === -1 || space >= matchStart ? matchStart : space + 1;
}

function wordEnd(text: string, index: number): number {
  const space = text.indexOf(' ', index);
  return space === -1 ? text.length : space;
}
