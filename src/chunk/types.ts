export interface ChunkerSettings {
  /** Typical chunk size the chunker aims at. */
  targetTokens: number;
  /** Hard cap per chunk (estimated tokens), well under the model's 2,048-token input limit. */
  maxTokens: number;
  /** Upper bound on the whole lines repeated from the previous chunk of the same section. */
  overlapTokens: number;
}

export const DEFAULT_CHUNKER_SETTINGS: ChunkerSettings = Object.freeze({
  targetTokens: 512,
  maxTokens: 1500,
  overlapTokens: 48,
});

export interface Chunk {
  /** The document path, as given. */
  path: string;
  /** 0-based position in the document. */
  index: number;
  /** 1-based, inclusive. */
  startLine: number;
  /** 1-based, inclusive. */
  endLine: number;
  /** Heading trail, outermost first ([] when none). */
  headings: string[];
  /**
   * Exactly the document lines startLine..endLine joined with '\n', except for a single line too
   * long for one chunk: then a slice of that line.
   */
  text: string;
  /** estimateTokens(text). */
  tokens: number;
}
