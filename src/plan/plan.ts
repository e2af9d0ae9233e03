/** What the catalog remembers of a file: enough to tell, from a stat, whether it may have changed. */
export interface CatalogEntry {
  path: string;
  hash: string;
  size: number;
  mtimeMs: number;
  /** False while some of its chunks have no vector yet (jobs pending, or given up on). */
  complete: boolean;
}

export interface StatEntry {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface StatPlan<E extends StatEntry> {
  /** Same size and mtime as catalogued, and complete: costs nothing more. */
  unchanged: E[];
  /** New, or size/mtime moved, or incomplete: must be read and hashed. */
  toRead: E[];
  /** Catalogued but no longer on disk. */
  deleted: string[];
}

/** First half of the change plan: decided from a stat alone, so an unchanged file is never read. */
export function planByStat<E extends StatEntry>(entries: readonly E[], catalog: ReadonlyMap<string, CatalogEntry>): StatPlan<E> {
  const plan: StatPlan<E> = { unchanged: [], toRead: [], deleted: [] };
  const seen = new Set<string>();
  for (const entry of entries) {
    seen.add(entry.path);
    const known = catalog.get(entry.path);
    const same = known && known.complete && known.size === entry.size && known.mtimeMs === entry.mtimeMs;
    (same ? plan.unchanged : plan.toRead).push(entry);
  }
  for (const path of catalog.keys()) if (!seen.has(path)) plan.deleted.push(path);
  return plan;
}

export interface KeyedChunk {
  key: string;
  text: string;
  tokens: number;
}

export interface HashedDocument<C extends KeyedChunk> {
  path: string;
  sha256: string;
  chunks: C[];
}

export interface ContentPlan<D> {
  /** New or changed content, or incomplete: its chunk rows are rewritten. */
  changed: D[];
  /** Same content, only the stat moved: the catalog entry is refreshed, nothing is embedded. */
  touched: D[];
}

/** Second half: the documents that were read, split by whether their content really changed. */
export function planByContent<C extends KeyedChunk, D extends HashedDocument<C>>(
  documents: readonly D[],
  catalog: ReadonlyMap<string, CatalogEntry>,
): ContentPlan<D> {
  const plan: ContentPlan<D> = { changed: [], touched: [] };
  for (const document of documents) {
    const known = catalog.get(document.path);
    (known && known.complete && known.hash === document.sha256 ? plan.touched : plan.changed).push(document);
  }
  return plan;
}

/**
 * The chunks to embed: one per distinct key among changed documents, leaving out keys that already
 * have a vector and keys already carried by a job on its way.
 */
export function keysToEmbed<C extends KeyedChunk>(
  documents: readonly HashedDocument<C>[],
  hasVector: ReadonlySet<string>,
  inFlight: ReadonlySet<string>,
): C[] {
  const wanted = new Map<string, C>();
  for (const document of documents) {
    for (const chunk of document.chunks) {
      if (!hasVector.has(chunk.key) && !inFlight.has(chunk.key) && !wanted.has(chunk.key)) wanted.set(chunk.key, chunk);
    }
  }
  return [...wanted.values()];
}
