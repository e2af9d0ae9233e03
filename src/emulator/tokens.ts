/**
 * Token estimate used for `tokenCount` and `usageMetadata`: about four characters per token
 * for alphabetic text, one token per character for scripts written without spaces
 * (their characters are mostly single tokens in Gemini's tokenizer).
 */
const DENSE_SCRIPT_CHAR =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;

export function estimateTokenCount(text: string): number {
  if (text.length === 0) return 0;
  const denseChars = text.match(DENSE_SCRIPT_CHAR)?.length ?? 0;
  return denseChars + Math.ceil((text.length - denseChars) / 4);
}
