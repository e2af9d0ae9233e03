/**
 * Token estimate. Costs are kept in integer quarter-tokens ("units") so that the cost of a text is
 * exactly the sum of the costs of its lines plus one unit per joining newline: the chunker sizes
 * chunks from per-line prefix sums and the result always equals `estimateTokens(chunk.text)`.
 */
export const UNITS_PER_TOKEN = 4;

/**
 * Units per ASCII code: letters and whitespace ~4 chars/token; digits are tokenized one by one;
 * punctuation rarely merges with its neighbours.
 */
const ASCII_UNITS = (() => {
  const units = new Uint8Array(128).fill(3);
  for (let code = 0; code < 32; code++) units[code] = 4;
  for (const code of [0x09, 0x0a, 0x0d, 0x20]) units[code] = 1;
  for (let code = 0x30; code <= 0x39; code++) units[code] = 4;
  for (let code = 0x41; code <= 0x5a; code++) units[code] = 1;
  for (let code = 0x61; code <= 0x7a; code++) units[code] = 1;
  units[0x7f] = 4;
  return units;
})();

/** Cost of one UTF-16 code unit in quarter-tokens. */
export function charUnits(code: number): number {
  if (code < 0x80) return ASCII_UNITS[code]!;
  // Latin supplements and extensions, IPA, combining marks, Greek, Cyrillic: ~2 chars/token.
  if (code < 0x0530) return 2;
  // CJK, kana, hangul, other scripts, symbols, and each half of a surrogate pair: a token apiece.
  return 4;
}

/** Quarter-token cost of text[from, to). */
export function unitsOf(text: string, from = 0, to = text.length): number {
  let units = 0;
  for (let i = from; i < to; i++) units += charUnits(text.charCodeAt(i));
  return units;
}

export function unitsToTokens(units: number): number {
  return Math.ceil(units / UNITS_PER_TOKEN);
}

/**
 * Fast, deliberately conservative token estimate (over- rather than under-estimates): ~4 chars per
 * token for Latin prose, 1 token per CJK/kana/hangul char, punctuation-heavy code counts more.
 */
export function estimateTokens(text: string): number {
  return unitsToTokens(unitsOf(text));
}
