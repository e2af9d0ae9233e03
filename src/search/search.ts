import * as lancedb from '@lancedb/lancedb';
import picomatch from 'picomatch';
import { openBackend, type Backend, type BackendOptions } from '../backend.js';
import { IndexMismatchError, IndexStore, sqlString, type IndexMeta } from '../store/index.js';
import { bestSnippet, queryTerms, type Snippet } from './snippet.js';

export type SearchMode = 'vector' | 'fts' | 'hybrid';

export interface SearchOptions {
  /** How many results (default 10). */
  k?: number;
  /** Default: hybrid when the index has a full-text index, else vector. */
  mode?: SearchMode;
  /** Only paths matching this glob (`docs/**\/*.md`), or this path and what is below it. */
  path?: string;
  /** An extra SQL predicate over the chunk columns, e.g. `tokens > 100`. */
  where?: string;
  /** The query must be embedded with the model and dims the index was built with; set to check. */
  model?: string;
  dims?: number;
}

export interface SearchHit {
  path: string;
  startLine: number;
  endLine: number;
  headings: string[];
  /** Higher is better: cosine similarity (vector), BM25 (fts), or the fused RRF score (hybrid). */
  score: number;
  text: string;
  snippet: Snippet;
  title: string;
  summary?: string;
  key: string;
}

export interface OpenIndexOptions {
  backend?: BackendOptions;
}

const GLOB_CHARS = /[*?[\]{}!]/;

/** An index opened for searching. The query is embedded by the same backend rules as build. */
export class SearchIndex {
  private backend: Backend | undefined;

  private constructor(
    readonly uri: string,
    private readonly store: IndexStore,
    readonly meta: IndexMeta,
    private readonly backendOptions: BackendOptions,
  ) {}

  static async open(uri: string, options: OpenIndexOptions = {}): Promise<SearchIndex> {
    const store = await IndexStore.open(uri);
    const meta = await store.readMeta();
    if (!meta || !store.exists) {
      store.close();
      throw new Error(`no gbi index at ${uri}; build one with: gbi build <dir> --index ${uri}`);
    }
    return new SearchIndex(uri, store, meta, options.backend ?? {});
  }

  async hasFullTextIndex(): Promise<boolean> {
    return (await this.store.chunks.listIndices()).some((index) => index.name === 'text_idx');
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    if (!query.trim()) throw new Error('the query is empty');
    this.checkCompatible(options);
    const k = options.k ?? 10;
    const mode = options.mode ?? ((await this.hasFullTextIndex()) ? 'hybrid' : 'vector');
    const where = this.filter(options);
    const pathMatcher = options.path ? pathFilter(options.path) : undefined;
    // The SQL prefilter is a superset of the glob; fetch extra so the exact glob still leaves k.
    const limit = pathMatcher ? k * 5 : k;
    const table = this.store.chunks;
    let rows: Record<string, unknown>[];
    if (mode === 'fts') {
      let builder = table.query().fullTextSearch(query).limit(limit);
      if (where) builder = builder.where(where);
      rows = await builder.toArray();
    } else {
      const vector = await this.embedQuery(query);
      let builder = table.query().nearestTo(vector).distanceType('cosine').limit(limit);
      if (where) builder = builder.where(where);
      if (mode === 'hybrid') builder = builder.fullTextSearch(query).rerank(await lancedb.rerankers.RRFReranker.create());
      rows = await builder.toArray();
    }
    const hits = rows
      .filter((row) => !pathMatcher || pathMatcher(String(row.path)))
      .slice(0, k)
      .map((row) => this.toHit(row, mode, query));
    return this.withDocuments(hits);
  }

  async close(): Promise<void> {
    this.store.close();
    await this.backend?.close();
  }

  private checkCompatible(options: SearchOptions): void {
    const { meta } = this;
    if (options.model && options.model.replace(/^models\//, '') !== meta.model) {
      throw new IndexMismatchError(`the index at ${this.uri} was built with ${meta.model}, not ${options.model}; search it with --model ${meta.model}`);
    }
    if (options.dims && options.dims !== meta.dims) {
      throw new IndexMismatchError(`the index at ${this.uri} holds ${meta.dims}-dimension vectors, not ${options.dims}; search it with --dims ${meta.dims}`);
    }
  }

  private filter(options: SearchOptions): string | undefined {
    const parts: string[] = [];
    if (options.path) parts.push(`path LIKE ${sqlString(globToLike(options.path))}`);
    if (options.where) parts.push(`(${options.where})`);
    return parts.length ? parts.join(' AND ') : undefined;
  }

  private async embedQuery(query: string): Promise<number[]> {
    this.backend ??= await openBackend(this.backendOptions);
    if (this.backend.embedder !== this.meta.embedder) {
      throw new IndexMismatchError(
        `the index at ${this.uri} was built with the ${this.meta.embedder} embedder, but queries would go to ${this.backend.label}; ` +
          (this.meta.embedder === 'gemini' ? 'set GEMINI_API_KEY to search it' : 'unset GEMINI_API_KEY / GOOGLE_API_KEY to search it offline'),
      );
    }
    // One Content per text: gemini-embedding-2 would merge a list of strings into one vector.
    const response = await this.backend.ai.models.embedContent({
      model: this.meta.model,
      contents: [{ parts: [{ text: query }] }],
      config: { taskType: 'RETRIEVAL_QUERY', outputDimensionality: this.meta.dims },
    });
    const values = response.embeddings?.[0]?.values;
    if (!values || values.length !== this.meta.dims) {
      throw new Error(`the query embedding has ${values?.length ?? 0} values, expected ${this.meta.dims}`);
    }
    return values;
  }

  private toHit(row: Record<string, unknown>, mode: SearchMode, query: string): SearchHit {
    const text = String(row.text);
    const score =
      mode === 'hybrid' ? Number(row._relevance_score) : mode === 'fts' ? Number(row._score) : 1 - Number(row._distance);
    return {
      path: String(row.path),
      startLine: Number(row.start_line),
      endLine: Number(row.end_line),
      headings: row.heading ? String(row.heading).split(' > ') : [],
      score,
      text,
      snippet: bestSnippet(text, queryTerms(query)),
      title: '',
      key: String(row.key),
    };
  }

  private async withDocuments(hits: SearchHit[]): Promise<SearchHit[]> {
    if (hits.length === 0) return hits;
    const paths = [...new Set(hits.map((hit) => hit.path))];
    const docs = await this.store.documents
      .query()
      .where(`path IN (${paths.map(sqlString).join(', ')})`)
      .select(['path', 'title', 'summary'])
      .toArray();
    const byPath = new Map(docs.map((doc) => [String(doc.path), doc]));
    return hits.map((hit) => {
      const doc = byPath.get(hit.path);
      return { ...hit, title: String(doc?.title ?? ''), ...(doc?.summary ? { summary: String(doc.summary) } : {}) };
    });
  }
}

export function openIndex(uri: string, options?: OpenIndexOptions): Promise<SearchIndex> {
  return SearchIndex.open(uri, options);
}

/**
 * A LIKE pattern matching at least what the path filter matches: its literal prefix. `_` and `%`
 * in that prefix only widen the superset; the exact filter runs on the rows after.
 */
export function globToLike(glob: string): string {
  const special = glob.search(GLOB_CHARS);
  return `${special === -1 ? glob : glob.slice(0, special)}%`;
}

/** A glob matches by picomatch; a plain path matches itself and everything below it. */
export function pathFilter(pattern: string): (path: string) => boolean {
  if (GLOB_CHARS.test(pattern)) return picomatch(pattern, { dot: true });
  const folder = pattern.endsWith('/') ? pattern : `${pattern}/`;
  return (path) => path === pattern || path.startsWith(folder);
}
