import { existsSync } from 'node:fs';
import * as lancedb from '@lancedb/lancedb';
import { openBackend, type Backend, type BackendOptions } from '../backend.js';
import { isMarkdownPath } from '../chunk/markdown.js';
import { UsageError } from '../errors.js';
import { IndexMismatchError, IndexStore, SUMMARY_CHUNK, localIndexPath, sqlIn, sqlString, type IndexMeta } from '../store/index.js';
import { fuseRankings, type Ranker, type Ranks, type Scored } from './fusion.js';
import { pathRegex } from './path-filter.js';
import { bestSnippet, queryTerms, readableText, weighTerms } from './snippet.js';

/** HNSW search breadth and exact re-ranking: recall@10 0.97 at 100k rows in about 6 ms (bench P6). */
export const ANN_EF = 512;
export const ANN_REFINE = 10;

export type SearchMode = Ranker | 'hybrid';

export interface SearchOptions {
  /** How many results (default 10). */
  k?: number;
  /** Default: hybrid when the index has a full-text index, else vector. */
  mode?: SearchMode;
  /** Only paths matching this glob (`docs/**\/*.md`), or this file or folder and what is below it. */
  path?: string;
  /** An extra SQL predicate over the chunk columns, e.g. `tokens > 100`. */
  where?: string;
  /** Set to have the search refuse an index built with another model or size of vector. */
  model?: string;
  dims?: number;
  /** Rank whole documents by their summaries (built with --summaries) instead of chunks. */
  docs?: boolean;
}

export interface SearchHit {
  path: string;
  startLine: number;
  endLine: number;
  /** The heading trail of the chunk, outermost first; empty outside Markdown. */
  headings: string[];
  /**
   * Higher is better: cosine similarity (vector), BM25 (fts), or in hybrid mode the reciprocal rank
   * fusion score scaled so that 1 means first in both rankings.
   */
  score: number;
  /** Where each ranking that ran placed this chunk (1 = first). */
  ranks: Ranks;
  title: string | null;
  /** The document's summary, when the index holds one. */
  summary: string | null;
  keywords: string[];
  /** The part of the chunk that best shows why it matched, as one line of prose. */
  snippet: string;
  /** [start, end) character ranges of `snippet` holding a query term, to highlight. */
  matches: [number, number][];
  text: string;
  /** The embedding key of the chunk text. */
  key: string;
}

export interface OpenIndexOptions {
  backend?: BackendOptions;
}

export const DEFAULT_K = 10;
/**
 * How deep each ranking goes before hybrid fusion: a chunk ranked 20th by one ranking and 2nd by
 * the other must still be seen by both, or fusion is decided by whichever list was cut first.
 */
export const FUSION_DEPTH = 50;

const FULL_TEXT_INDEX = 'text_idx';
const CHUNK_COLUMNS = ['id', 'key', 'path', 'start_line', 'end_line', 'heading', 'text'];

interface ChunkFields {
  id: string;
  key: string;
  path: string;
  start_line: number;
  end_line: number;
  heading: string;
  text: string;
}

/** An index opened for searching. The query is embedded by the same backend rules as build. */
export class SearchIndex {
  private backend: Backend | undefined;
  private fullTextIndex: Promise<boolean> | undefined;

  private constructor(
    readonly uri: string,
    private readonly store: IndexStore,
    readonly meta: IndexMeta,
    private readonly backendOptions: BackendOptions,
  ) {}

  static async open(uri: string, options: OpenIndexOptions = {}): Promise<SearchIndex> {
    const missing = new UsageError(`no gbi index at ${uri}; build one first with: gbi build <folder> --index ${uri}`);
    // Connecting creates a missing local folder: check first, so a mistyped --index leaves nothing behind.
    const local = localIndexPath(uri);
    if (local && !existsSync(local)) throw missing;
    const store = await IndexStore.open(uri);
    const meta = await store.readMeta();
    if (!meta || !store.exists) {
      store.close();
      throw missing;
    }
    return new SearchIndex(uri, store, meta, options.backend ?? {});
  }

  /** Hybrid when there is a full-text index to fuse with, else vector. */
  async defaultMode(): Promise<SearchMode> {
    return (await this.hasFullTextIndex()) ? 'hybrid' : 'vector';
  }

  async search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    if (!query.trim()) throw new UsageError('the query is empty');
    this.checkCompatible(options);
    const k = options.k ?? DEFAULT_K;
    const mode = options.mode ?? (await this.defaultMode());
    if (mode !== 'vector' && !(await this.hasFullTextIndex())) {
      throw new UsageError(`the index at ${this.uri} has no full-text index yet; run gbi optimize --index ${this.uri}, or search with --mode vector`);
    }
    if (options.docs && (await this.store.countChunks(`chunk = ${SUMMARY_CHUNK}`)) === 0) {
      throw new UsageError(`the index at ${this.uri} has no document summaries; build it with --summaries to search whole documents`);
    }
    const filter = await this.filter(options);
    const depth = mode === 'hybrid' ? Math.max(k, FUSION_DEPTH) : k;
    // Side by side: the full-text query needs neither the query's embedding nor the vector search.
    const [vector, fts] = await Promise.all([
      mode === 'fts' ? undefined : this.nearestChunks(query, filter, depth),
      mode === 'vector' ? undefined : this.matchingChunks(query, filter, depth),
    ]);
    const rankings: Partial<Record<Ranker, Scored<ChunkFields>[]>> = { ...(vector && { vector }), ...(fts && { fts }) };
    const fused = fuseRankings(rankings, (chunk) => chunk.id);
    const weights = weighTerms(queryTerms(query), fused.map(({ item }) => item.text));
    return this.withDocuments(fused.slice(0, k).map(({ item, score, ranks }) => toHit(item, score, ranks, weights)));
  }

  async close(): Promise<void> {
    this.store.close();
    await this.backend?.close();
  }

  /** Asked once per open index: the CLI picks the default mode and search checks it, per query. */
  private hasFullTextIndex(): Promise<boolean> {
    this.fullTextIndex ??= this.store.chunks.listIndices().then((indices) => indices.some((index) => index.name === FULL_TEXT_INDEX));
    return this.fullTextIndex;
  }

  private checkCompatible(options: SearchOptions): void {
    const { meta } = this;
    if (options.model && bareModel(options.model) !== bareModel(meta.model)) {
      throw new IndexMismatchError(`the index at ${this.uri} was built with ${meta.model}, not ${options.model}; search it with --model ${meta.model}`);
    }
    if (options.dims && options.dims !== meta.dims) {
      throw new IndexMismatchError(`the index at ${this.uri} holds ${meta.dims}-dimension vectors, not ${options.dims}; search it with --dims ${meta.dims}`);
    }
  }

  /**
   * Chunk rows, or with `docs` the summary rows that stand for whole documents, within `--path` and
   * `--where`; each of those is checked first, so that a bad one is named.
   */
  private async filter(options: SearchOptions): Promise<string> {
    const parts: [flag: string, sql: string][] = [];
    if (options.path) parts.push(['--path', `regexp_like(path, ${sqlString(pathRegex(options.path))})`]);
    if (options.where) parts.push(['--where', options.where]);
    for (const [flag, sql] of parts) {
      try {
        await this.store.chunks.query().where(sql).explainPlan();
      } catch (error) {
        throw new UsageError(`${flag} ${flag === '--path' ? options.path : sql} is not a valid filter: ${lanceReason(error)}`);
      }
    }
    const rows = options.docs ? `chunk = ${SUMMARY_CHUNK}` : `chunk <> ${SUMMARY_CHUNK}`;
    return [rows, ...parts.map(([, sql]) => `(${sql})`)].join(' AND ');
  }

  private async nearestChunks(query: string, filter: string, limit: number): Promise<Scored<ChunkFields>[]> {
    const rows = await this.store.chunks
      .query()
      .nearestTo(await this.embedQuery(query))
      .distanceType('cosine')
      // Past 10k rows an HNSW index answers: search wider and re-rank by exact distance so that its
      // quantized vectors do not reorder results. Without an index both are no-ops.
      .ef(ANN_EF)
      .refineFactor(ANN_REFINE)
      .select([...CHUNK_COLUMNS, '_distance'])
      .where(filter)
      .limit(limit)
      .toArray();
    return rows.map((row) => ({ item: chunkFields(row), score: 1 - Number(row._distance) }));
  }

  private async matchingChunks(query: string, filter: string, limit: number): Promise<Scored<ChunkFields>[]> {
    // A MatchQuery takes the words as words: a plain string would read quotes as a phrase query,
    // which needs positions the index does not store.
    const rows = await this.store.chunks
      .query()
      .fullTextSearch(new lancedb.MatchQuery(query, 'text'))
      .select([...CHUNK_COLUMNS, '_score'])
      .where(filter)
      .limit(limit)
      .toArray();
    return rows.map((row) => ({ item: chunkFields(row), score: Number(row._score) }));
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

  private async withDocuments(hits: SearchHit[]): Promise<SearchHit[]> {
    if (hits.length === 0) return hits;
    const docs = await this.store.documents
      .query()
      .where(sqlIn('path', [...new Set(hits.map((hit) => hit.path))]))
      .select(['path', 'title', 'summary', 'keywords'])
      .toArray();
    const byPath = new Map(docs.map((doc) => [String(doc.path), doc]));
    return hits.map((hit) => {
      const doc = byPath.get(hit.path);
      return {
        ...hit,
        title: doc?.title ? String(doc.title) : null,
        summary: doc?.summary ? String(doc.summary) : null,
        keywords: doc?.keywords ? String(doc.keywords).split(', ') : [],
      };
    });
  }
}

export function openIndex(uri: string, options?: OpenIndexOptions): Promise<SearchIndex> {
  return SearchIndex.open(uri, options);
}

function toHit(chunk: ChunkFields, score: number, ranks: Ranks, weights: ReadonlyMap<string, number>): SearchHit {
  const headings = chunk.heading ? chunk.heading.split(' > ') : [];
  const snippet = bestSnippet(readableText(chunk.text, { markdown: isMarkdownPath(chunk.path), trail: headings }), weights);
  return {
    path: chunk.path,
    startLine: chunk.start_line,
    endLine: chunk.end_line,
    headings,
    score,
    ranks,
    title: null,
    summary: null,
    keywords: [],
    snippet: snippet.text,
    matches: snippet.matches,
    text: chunk.text,
    key: chunk.key,
  };
}

function chunkFields(row: Record<string, unknown>): ChunkFields {
  return {
    id: String(row.id),
    key: String(row.key),
    path: String(row.path),
    start_line: Number(row.start_line),
    end_line: Number(row.end_line),
    heading: String(row.heading),
    text: String(row.text),
  };
}

function bareModel(model: string): string {
  return model.replace(/^models\//, '');
}

/** LanceDB's message without its wrapper ("Failed to …: GenericFailure, Invalid input, "). */
function lanceReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^.*?Invalid input, /s, '');
}
