import { lineTable, type LineTable } from './lines.js';
import { isMarkdownPath, markdownOutline, markdownTitle } from './markdown.js';
import { emptyOutline, pushLineAtoms, RANK_LINE, type Outline } from './outline.js';
import { packChunks } from './pack.js';
import { UNITS_PER_TOKEN } from './tokens.js';
import { DEFAULT_CHUNKER_SETTINGS, type Chunk, type ChunkerSettings } from './types.js';

/**
 * Cut points must win a neighbourhood of this fraction of the target on each side: chunks are at
 * least that big (except at the ends of a document) and about the target on average.
 */
const WINDOW_FRACTION = 0.5;
/** Segments above this multiple of the target are cut again at their best inner cut point. */
const SOFT_CAP_FACTOR = 2;
/** A sanity floor for the cap: any single character (a surrogate pair costs 2 tokens) must fit easily. */
const MIN_MAX_TOKENS = 8;

function unitLimits(settings: ChunkerSettings): { targetUnits: number; maxUnits: number; overlapUnits: number } {
  const { targetTokens, maxTokens, overlapTokens } = settings;
  const valid =
    Number.isFinite(targetTokens) &&
    targetTokens >= 1 &&
    Number.isFinite(maxTokens) &&
    maxTokens >= MIN_MAX_TOKENS &&
    Number.isFinite(overlapTokens) &&
    overlapTokens >= 0;
  if (!valid) throw new RangeError(`invalid chunker settings ${JSON.stringify(settings)}`);
  const maxUnits = Math.floor(maxTokens) * UNITS_PER_TOKEN;
  return {
    targetUnits: Math.min(targetTokens * UNITS_PER_TOKEN, maxUnits),
    maxUnits,
    overlapUnits: overlapTokens * UNITS_PER_TOKEN,
  };
}

/** Plain text and code: every non-blank line is an atom; blank lines and indentation rank the cuts. */
function plainTextOutline(table: LineTable): Outline {
  const outline = emptyOutline();
  pushLineAtoms(outline, table, 0, table.count - 1, RANK_LINE, 0);
  return outline;
}

/** Markdown (.md .markdown .mdx) by headings and blocks; anything else by lines. */
export function chunkDocument(
  doc: { path: string; text: string },
  settings: ChunkerSettings = DEFAULT_CHUNKER_SETTINGS,
): Chunk[] {
  const { targetUnits, maxUnits, overlapUnits } = unitLimits(settings);
  const table = lineTable(doc.text);
  const outline = isMarkdownPath(doc.path)
    ? markdownOutline(table, { containerUnits: targetUnits, leafUnits: maxUnits })
    : plainTextOutline(table);
  return packChunks(doc.path, table, outline, {
    windowUnits: targetUnits * WINDOW_FRACTION,
    softCapUnits: Math.min(maxUnits, targetUnits * SOFT_CAP_FACTOR),
    maxUnits,
    overlapUnits,
    sliceUnits: targetUnits,
  });
}

/** Front matter `title:`, else the first H1 (ATX or setext), for Markdown; undefined otherwise. */
export function documentTitle(doc: { path: string; text: string }): string | undefined {
  return isMarkdownPath(doc.path) ? markdownTitle(doc.text) : undefined;
}
