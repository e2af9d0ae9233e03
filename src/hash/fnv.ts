/** FNV-1a 32 and the murmur3 finalizer: fast, stable non-cryptographic hashes for the chunker and the emulator. */

export const FNV_OFFSET_BASIS = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** One FNV-1a step over a UTF-16 code unit (or any 32-bit value). */
export function fnvStep(hash: number, codeUnit: number): number {
  return Math.imul(hash ^ codeUnit, FNV_PRIME);
}

/** FNV-1a 32 over the UTF-16 code units of `text`, continuing from `hash`. */
export function fnvString(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** The murmur3 32-bit finalizer: spreads FNV's weak low bits over the whole word. */
export function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
