/** Query terms as a person typed them: words of letters or digits, lower-cased, at least 2 long. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
  return [...new Set(words)];
}

export interface Snippet {
  text: string;
  /** [start, end) character ranges of `text` that match a query term. */
  matches: [number, number][];
}

/**
 * The window of `text` (about `width` characters, cut at word boundaries) holding the most query
 * terms, with where they are, so a terminal can highlight them and JSON can carry the ranges.
 */
export function bestSnippet(text: string, terms: readonly string[], width = 240): Snippet {
  const flat = text.replace(/\s+/g, ' ').trim();
  const positions = termPositions(flat, terms);
  let start = 0;
  if (flat.length > width && positions.length > 0) {
    // Slide a window over the match positions and keep the one covering the most distinct terms.
    let best = -1;
    for (const [from] of positions) {
      const windowStart = Math.max(0, from - Math.floor(width / 4));
      const covered = new Set(
        positions.filter(([s, e]) => s >= windowStart && e <= windowStart + width).map(([s, e]) => flat.slice(s, e).toLowerCase()),
      ).size;
      if (covered > best) {
        best = covered;
        start = windowStart;
      }
    }
  }
  let end = Math.min(flat.length, start + width);
  if (start > 0) start = wordStart(flat, start);
  if (end < flat.length) end = wordEnd(flat, end);
  const prefix = start > 0 ? '…' : '';
  const suffix = end < flat.length ? '…' : '';
  const body = flat.slice(start, end);
  const matches = termPositions(body, terms).map(([s, e]): [number, number] => [s + prefix.length, e + prefix.length]);
  return { text: `${prefix}${body}${suffix}`, matches };
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

function termPositions(text: string, terms: readonly string[]): [number, number][] {
  if (terms.length === 0) return [];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(${terms.map(escapeRegExp).join('|')})`, 'giu');
  const positions: [number, number][] = [];
  for (const match of text.matchAll(pattern)) positions.push([match.index, match.index + match[0].length]);
  return positions;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function wordStart(text: string, index: number): number {
  const space = text.lastIndexOf(' ', index);
  return space === -1 ? index : space + 1;
}

function wordEnd(text: string, index: number): number {
  const space = text.indexOf(' ', index);
  return space === -1 ? text.length : space;
}
