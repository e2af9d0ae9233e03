/** The rankings a search can run: nearest vectors, and BM25 over the full-text index. */
export type Ranker = 'vector' | 'fts';

/** 1-based positions of a result in each ranking that returned it. */
export type Ranks = Partial<Record<Ranker, number>>;

export interface Scored<T> {
  item: T;
  /** Higher is better, on the ranker's own scale. */
  score: number;
}

export interface Fused<T> extends Scored<T> {
  ranks: Ranks;
}

/** The usual reciprocal rank fusion constant (Cormack et al. 2009; LanceDB's RRFReranker default). */
export const RRF_K = 60;

/**
 * One ranking keeps its own scores. Several are fused by reciprocal rank fusion,
 * score = Σ 1 / (RRF_K + rank), divided by its maximum so that 1 means first in every ranking.
 */
export function fuseRankings<T>(rankings: Partial<Record<Ranker, Scored<T>[]>>, idOf: (item: T) => string): Fused<T>[] {
  const lists = Object.entries(rankings) as [Ranker, Scored<T>[]][];
  if (lists.length === 1) {
    const [ranker, list] = lists[0];
    return list.map((entry, index) => ({ ...entry, ranks: { [ranker]: index + 1 } }));
  }
  const best = lists.length / (RRF_K + 1);
  const fused = new Map<string, Fused<T>>();
  for (const [ranker, list] of lists) {
    list.forEach(({ item }, index) => {
      const id = idOf(item);
      const entry = fused.get(id) ?? { item, score: 0, ranks: {} };
      entry.ranks[ranker] = index + 1;
      entry.score += 1 / (RRF_K + index + 1) / best;
      fused.set(id, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
