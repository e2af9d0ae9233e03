import { charUnits } from './tokens.js';
import { FNV_OFFSET_BASIS, FNV_PRIME, fmix32, fnvStep } from '../hash/fnv.js';

/** FNV_PRIME as a constant of this module: the per-character loop below runs ~15 % faster with it. */
const PRIME = FNV_PRIME;

/** Per-line facts computed in one pass over the text, so that ranges cost O(1) later. */
export interface LineTable {
  readonly text: string;
  readonly count: number;
  /** count + 1 entries: char offset where each line starts; the last is text.length + 1. */
  readonly charStart: Float64Array;
  /** count + 1 entries: quarter-token units of all earlier lines, each with its newline. */
  readonly unitsBefore: Float64Array;
  /** FNV-1a hash of each line's text. */
  readonly hash: Uint32Array;
  /** 1 when the line is empty or whitespace only. */
  readonly blank: Uint8Array;
  /** 1 when the line starts with a space or a tab. */
  readonly indented: Uint8Array;
}

/** The code units String.prototype.trim() removes, so that "blank" agrees with `text.trim() === ''`. */
function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

export function lineTable(text: string): LineTable {
  let count = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  const charStart = new Float64Array(count + 1);
  const unitsBefore = new Float64Array(count + 1);
  const hash = new Uint32Array(count);
  const blank = new Uint8Array(count);
  const indented = new Uint8Array(count);

  // Line by line, so the per-character loop does only the cost and the hash.
  let before = 0;
  for (let line = 0, start = 0; line < count; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    let units = 0;
    let lineHash = FNV_OFFSET_BASIS;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      units += charUnits(code);
      lineHash = Math.imul(lineHash ^ code, PRIME); // fnvStep, which this loop does not inline
    }
    let firstText = start;
    while (firstText < end && isWhitespace(text.charCodeAt(firstText))) firstText++;
    const firstCode = text.charCodeAt(start);
    hash[line] = lineHash;
    blank[line] = firstText === end ? 1 : 0;
    indented[line] = firstCode === 0x20 || firstCode === 0x09 ? 1 : 0;
    before += units + 1;
    unitsBefore[line + 1] = before;
    charStart[line + 1] = end + 1;
    start = end + 1;
  }
  return { text, count, charStart, unitsBefore, hash, blank, indented };
}

/** Lines first..last (0-based, inclusive) joined with '\n'. */
export function rangeText(table: LineTable, first: number, last: number): string {
  return table.text.slice(table.charStart[first], table.charStart[last + 1]! - 1);
}

/** Quarter-token units of rangeText(first, last). */
export function rangeUnits(table: LineTable, first: number, last: number): number {
  return table.unitsBefore[last + 1]! - table.unitsBefore[first]! - 1;
}

/** Content hash of lines first..last, mixed so that nearby values spread over all 32 bits. */
export function rangeHash(table: LineTable, first: number, last: number): number {
  let h = FNV_OFFSET_BASIS;
  for (let line = first; line <= last; line++) h = fnvStep(h, table.hash[line]!);
  return fmix32(h);
}

/**
 * Slices of one over-long line, each at most `budgetUnits` and never between the halves of a
 * surrogate pair; whitespace-only slices are left out. Returns [from, to) char offsets.
 */
export function sliceLine(table: LineTable, line: number, budgetUnits: number): Array<[number, number]> {
  const { text } = table;
  const end = table.charStart[line + 1]! - 1;
  const slices: Array<[number, number]> = [];
  let from = table.charStart[line]!;
  let units = 0;
  let hasText = false;
  for (let i = from; i < end; ) {
    const code = text.charCodeAt(i);
    const width = code >= 0xd800 && code <= 0xdbff && i + 1 < end ? 2 : 1;
    const cost = width === 1 ? charUnits(code) : charUnits(code) + charUnits(text.charCodeAt(i + 1));
    if (units + cost > budgetUnits && i > from) {
      if (hasText) slices.push([from, i]);
      from = i;
      units = 0;
      hasText = false;
    }
    units += cost;
    if (!isWhitespace(code)) hasText = true;
    i += width;
  }
  if (hasText) slices.push([from, end]);
  return slices;
}
