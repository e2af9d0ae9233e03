/** A seeded PRNG and seeded decisions, shared by fault injection and result shuffling. */
import { FNV_OFFSET_BASIS, fmix32, fnvStep, fnvString } from '../hash/fnv.js';

/** A deterministic number in [0, 1) derived from a seed and any list of parts. */
export function seededUnit(seed: number, ...parts: Array<string | number>): number {
  let h = fnvStep(FNV_OFFSET_BASIS, seed);
  for (const part of parts) {
    h = fnvString(h, String(part));
    h = fnvStep(h, 0);
  }
  return fmix32(h) / 0x1_0000_0000;
}

/** mulberry32: a tiny seeded PRNG returning numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}
