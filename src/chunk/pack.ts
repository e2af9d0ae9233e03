import { rangeHash, rangeText, rangeUnits, sliceLine, type LineTable } from './lines.js';
import { isSectionCut, NEVER, type Atom, type Outline } from './outline.js';
import { estimateTokens, unitsToTokens } from './tokens.js';
import type { Chunk } from './types.js';

/** Sizes in quarter-token units (see tokens.ts). */
export interface PackLimits {
  /** Half-width of the neighbourhood a cut point must win; sets the typical and the minimum chunk size. */
  windowUnits: number;
  /** Segments above this are cut again at their best inner cut point. */
  softCapUnits: number;
  /** Hard cap for a chunk including its overlap. */
  maxUnits: number;
  overlapUnits: number;
  /** Size of the slices an over-long line is cut into. */
  sliceUnits: number;
}

/** Keys order cut points by rank first, then by a hash in [0, 2^32) of the atoms on both sides. */
const HASH_SPAN = 2 ** 32;

/**
 * Packs atoms into chunks with content-defined cuts. A cut point is taken when its key (rank, then
 * a hash of the atoms on both sides) is the smallest among all cut points within `windowUnits` on either
 * side, document edges counting as smallest. Whether a point is a cut depends only on the content
 * within one window of it, so an edit moves at most the cuts around it and every chunk further away
 * keeps its exact text; and two cuts are never closer than one window.
 */
export function packChunks(path: string, table: LineTable, outline: Outline, limits: PackLimits): Chunk[] {
  const { atoms, sections } = outline;
  const atomUnits = (atom: Atom) => rangeUnits(table, atom.first, atom.last);
  const spanUnits = (from: number, to: number) => rangeUnits(table, atoms[from]!.first, atoms[to - 1]!.last);

  const keys = new Float64Array(atoms.length);
  for (let i = 1; i < atoms.length; i++) {
    // Hashing both neighbours keeps repeated lines (`}` before each function) from tying every key.
    const { rank, last } = atoms[i]!;
    keys[i] = rank === NEVER ? Infinity : rank * HASH_SPAN + rangeHash(table, atoms[i - 1]!.first, last);
  }

  /** Cuts (atom indices that start a segment) strictly inside [from, to). */
  const localMinimumCuts = (from: number, to: number): number[] => {
    // Slot 0 and slot n are the segment's edges; slot k in between is the cut point before atom from + k.
    const n = to - from;
    const position = new Float64Array(n + 1);
    const key = new Float64Array(n + 1);
    for (let k = 0; k < n; k++) position[k] = table.unitsBefore[atoms[from + k]!.first]!;
    position[n] = table.unitsBefore[atoms[to - 1]!.last + 1]!;
    key[0] = key[n] = -Infinity;
    for (let k = 1; k < n; k++) key[k] = keys[from + k]!;

    const leftMin = slidingMinimum(position, key, limits.windowUnits, 1);
    const rightMin = slidingMinimum(position, key, limits.windowUnits, -1);
    const cuts: number[] = [];
    for (let k = 1; k < n; k++) {
      if (key[k]! < leftMin[k]! && key[k]! < rightMin[k]!) cuts.push(from + k);
    }
    return cuts;
  };

  /**
   * A segment above the soft cap is cut at its best cut point at least half a window from both edges,
   * then again while needed. The best point of a span depends only on that span, so this stays local
   * too. A span with no such point stays whole up to the hard cap rather than leave a sliver.
   */
  const splitOversized = (from: number, to: number, out: Array<[number, number]>): void => {
    const units = spanUnits(from, to);
    if (to - from === 1 || units <= limits.softCapUnits) {
      out.push([from, to]);
      return;
    }
    let cut = bestCut(from, to, limits.windowUnits / 2);
    if (cut < 0 && units <= limits.maxUnits) {
      out.push([from, to]);
      return;
    }
    if (cut < 0) cut = bestCut(from, to, 0);
    if (cut < 0) {
      splitGreedily(from, to, out);
      return;
    }
    splitOversized(from, cut, out);
    splitOversized(cut, to, out);
  };

  /** The cut point with the smallest key at least `margin` from both edges of the span; -1 if none. */
  const bestCut = (from: number, to: number, margin: number): number => {
    const low = table.unitsBefore[atoms[from]!.first]! + margin;
    const high = table.unitsBefore[atoms[to - 1]!.last + 1]! - margin;
    let best = -1;
    for (let i = from + 1; i < to; i++) {
      const position = table.unitsBefore[atoms[i]!.first]!;
      if (keys[i]! < Infinity && position >= low && position <= high && (best < 0 || keys[i]! < keys[best]!)) best = i;
    }
    return best;
  };

  /** Last resort for glued atoms over the hard cap (a long run of headings): fill up to it. */
  const splitGreedily = (from: number, to: number, out: Array<[number, number]>): void => {
    let start = from;
    for (let i = from + 1; i < to; i++) {
      if (spanUnits(start, i + 1) > limits.maxUnits) {
        out.push([start, i]);
        start = i;
      }
    }
    out.push([start, to]);
  };

  // Overlap may not start inside a fence, a heading or front matter.
  const insideWhole = new Uint8Array(table.count);
  for (const atom of atoms) if (atom.whole) insideWhole.fill(1, atom.first + 1, atom.last + 1);

  const chunks: Chunk[] = [];
  let previousFirst = -1; // first line of the previous chunk, not counting its overlap

  const overlapStart = (first: number, floor: number, room: number): number => {
    let start = first;
    for (let line = first - 1; line >= floor; line--) {
      if (table.unitsBefore[first]! - table.unitsBefore[line]! > room) break;
      if (table.blank[line] === 0 && insideWhole[line] === 0) start = line;
    }
    return start;
  };

  const emitSegment = (from: number, to: number): void => {
    const head = atoms[from]!;
    const first = head.first;
    const last = atoms[to - 1]!.last;
    if (!hasContent(table, first, last)) return; // e.g. a paragraph of no-break spaces
    const segmentUnits = spanUnits(from, to);
    let start = first;
    if (!isSectionCut(head.rank) && previousFirst >= 0) {
      const floor = Math.max(previousFirst, sections[head.section]!.firstLine);
      start = overlapStart(first, floor, Math.min(limits.overlapUnits, limits.maxUnits - segmentUnits));
    }
    // The trail is that of the first real content; a leading heading run or front matter is its label.
    let content = from;
    while (content < to - 1 && atoms[content]!.label) content++;
    chunks.push({
      path,
      index: chunks.length,
      startLine: start + 1,
      endLine: last + 1,
      headings: [...sections[atoms[content]!.section]!.trail],
      text: rangeText(table, start, last),
      tokens: unitsToTokens(rangeUnits(table, start, last)),
    });
    previousFirst = first;
  };

  // By construction only a single line can exceed the hard cap; it is cut into slices of that line.
  const emitSlices = (atom: Atom): void => {
    for (const [from, to] of sliceLine(table, atom.first, limits.sliceUnits)) {
      const text = table.text.slice(from, to);
      chunks.push({
        path,
        index: chunks.length,
        startLine: atom.first + 1,
        endLine: atom.first + 1,
        headings: [...sections[atom.section]!.trail],
        text,
        tokens: estimateTokens(text),
      });
    }
    previousFirst = atom.first;
  };

  let runStart = 0;
  for (let i = 0; i <= atoms.length; i++) {
    const oversized = i < atoms.length && atomUnits(atoms[i]!) > limits.maxUnits;
    if (i < atoms.length && !oversized) continue;
    if (i > runStart) {
      const segments: Array<[number, number]> = [];
      let start = runStart;
      for (const end of [...localMinimumCuts(runStart, i), i]) {
        splitOversized(start, end, segments);
        start = end;
      }
      for (const [from, to] of segments) emitSegment(from, to);
    }
    if (oversized) emitSlices(atoms[i]!);
    runStart = i + 1;
  }
  return chunks;
}

function hasContent(table: LineTable, first: number, last: number): boolean {
  for (let line = first; line <= last; line++) if (table.blank[line] === 0) return true;
  return false;
}

/**
 * For each slot k, the smallest key among the slots on one side (direction 1: left, -1: right) whose
 * position is less than `window` away; Infinity when there is none. O(n) with a monotonic deque.
 */
function slidingMinimum(position: Float64Array, key: Float64Array, window: number, direction: 1 | -1): Float64Array {
  const n = position.length;
  const result = new Float64Array(n);
  const deque = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let step = 0; step < n; step++) {
    const k = direction === 1 ? step : n - 1 - step;
    while (head < tail && Math.abs(position[k]! - position[deque[head]!]!) >= window) head++;
    result[k] = head < tail ? key[deque[head]!]! : Infinity;
    while (head < tail && key[deque[tail - 1]!]! >= key[k]!) tail--;
    deque[tail++] = k;
  }
  return result;
}
