import type { LineTable } from './lines.js';

/**
 * Rank of a cut point: lower is a better place to cut. Headings rank by depth (1..6), so a cut before
 * `## Usage` beats one before `### From npm`, which beats any cut inside a section.
 */
export const RANK_BLOCK = 7; // between top-level blocks of one section
export const RANK_CHILD = 8; // between children (list items, quoted blocks) of a block too big to keep whole
export const RANK_LINE = 9; // between lines of a block or file (+0..3, see lineRank)
export const NEVER = Infinity;

/** A cut before an atom of this rank starts a new section: no overlap is carried across it. */
export function isSectionCut(rank: number): boolean {
  return rank < RANK_BLOCK;
}

/** A run of whole lines the packer never splits (except a single over-long line, by characters). */
export interface Atom {
  /** 0-based line index, inclusive. */
  first: number;
  /** 0-based line index, inclusive. */
  last: number;
  /** Rank of the cut just before this atom. */
  rank: number;
  /** Index into Outline.sections. */
  section: number;
  /** Heading or front matter: glued to the atom after it and not used to pick a chunk's trail. */
  label: boolean;
  /** Overlap may not start inside it (fenced code, headings, front matter). */
  whole: boolean;
}

export interface Section {
  trail: readonly string[];
  /** 0-based line where the section starts; overlap never reaches above it. */
  firstLine: number;
}

export interface Outline {
  atoms: Atom[];
  sections: Section[];
}

export function emptyOutline(): Outline {
  return { atoms: [], sections: [{ trail: [], firstLine: 0 }] };
}

/** Appends an atom; one that follows a label is glued to it (a heading never ends a chunk). */
export function pushAtom(outline: Outline, atom: Atom): void {
  const previous = outline.atoms[outline.atoms.length - 1];
  outline.atoms.push(previous?.label ? { ...atom, rank: NEVER } : atom);
}

/** Prefer cutting after a blank line, then before an unindented line (a new paragraph or declaration). */
export function lineRank(table: LineTable, line: number): number {
  const afterBlank = line > 0 && table.blank[line - 1] === 1;
  return RANK_LINE + (afterBlank ? 0 : 2) + (table.indented[line] === 1 ? 1 : 0);
}

/** One atom per non-blank line of first..last; the first of them gets `rank`. */
export function pushLineAtoms(
  outline: Outline,
  table: LineTable,
  first: number,
  last: number,
  rank: number,
  section: number,
): void {
  let isFirst = true;
  for (let line = first; line <= last; line++) {
    if (table.blank[line] === 1) continue;
    const lineCut = isFirst ? rank : lineRank(table, line);
    pushAtom(outline, { first: line, last: line, rank: lineCut, section, label: false, whole: false });
    isFirst = false;
  }
}
