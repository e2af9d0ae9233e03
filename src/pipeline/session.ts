import { join } from 'node:path';
import { openBackend, type Backend, type BackendOptions } from '../backend.js';
import {
  DEFAULT_POLL,
  LOCAL_POLL,
  DEFAULT_SUBMIT_LIMITS,
  Ledger,
  runJobs,
  type BatchEvent,
  type BatchSink,
  type Failure,
  type PollSettings,
  type RunReport,
  type RunnerContext,
  type StoredResult,
  type SubmitLimits,
} from '../batch/index.js';
import {
  IndexStore,
  PendingChunks,
  acquireIndexLock,
  stateDirOf,
  type ChunkRow,
  type DocumentRow,
  type IndexLock,
  type LockHolder,
} from '../store/index.js';
import { documentHashOf, parseSummary } from '../summary/index.js';

/** gemini-embedding-001 normalizes only its full-size output; truncated vectors are normalized here. */
const NATIVE_NORMALIZED_DIMS = 3072;

export interface SessionOptions {
  index: string;
  /** Said in the lock file, so a second writer can tell who holds it. */
  command: string;
  /** false for read-only work (dry runs): no lock is taken. */
  write: boolean;
  waitForLock?: boolean;
  backend?: BackendOptions;
  limits?: Partial<SubmitLimits>;
  poll?: Partial<PollSettings>;
  maxAttempts?: number;
  splitAbove?: number;
  onEvent?: (event: SessionEvent) => void;
}

export type SessionEvent =
  | { type: 'backend'; label: string }
  | { type: 'lock-wait'; holder: LockHolder }
  | { type: 'lock-takeover'; holder: LockHolder }
  | { type: 'batch'; event: BatchEvent };

/**
 * Everything a command that writes an index holds while it runs: the lock, the LanceDB store, the
 * backend, the job ledger and the chunk rows still waiting for vectors.
 */
export class IndexSession {
  /** path → document hash as catalogued: results for an older version of a file are dropped. */
  readonly currentHash = new Map<string, string>();
  failedChunks = 0;
  summarized = 0;
  failedSummaries = 0;

  private constructor(
    readonly stateDir: string,
    readonly store: IndexStore,
    readonly backend: Backend,
    readonly ledger: Ledger,
    readonly pending: PendingChunks,
    readonly limits: SubmitLimits,
    private readonly options: SessionOptions,
    private readonly lock: IndexLock | undefined,
  ) {}

  static async open(options: SessionOptions): Promise<IndexSession> {
    const emit = options.onEvent ?? (() => {});
    const stateDir = stateDirOf(options.index);
    const lock = options.write
      ? await acquireIndexLock(stateDir, options.command, { wait: options.waitForLock ?? false, onWait: (holder) => emit({ type: 'lock-wait', holder }) })
      : undefined;
    if (lock?.takenOverFrom) emit({ type: 'lock-takeover', holder: lock.takenOverFrom });
    let store: IndexStore | undefined;
    try {
      store = await IndexStore.open(options.index);
      const backend = await openIndexBackend(options.index, options.backend);
      emit({ type: 'backend', label: backend.label });
      return new IndexSession(
        stateDir,
        store,
        backend,
        await Ledger.open(stateDir),
        await PendingChunks.open(stateDir),
        { ...DEFAULT_SUBMIT_LIMITS, ...options.limits },
        options,
        lock,
      );
    } catch (error) {
      store?.close();
      await lock?.release();
      throw error;
    }
  }

  /** Loads the catalog's hashes; call after any reset and before running jobs. */
  async loadCatalogHashes(): Promise<Map<string, DocumentRow>> {
    const catalog = await this.store.catalog();
    this.currentHash.clear();
    for (const doc of catalog.values()) this.currentHash.set(doc.path, doc.hash);
    return catalog;
  }

  /** Drives the ledger's jobs: submits, waits (unless `wait` is false), loads, retries. */
  runJobs(dims: number, wait: boolean): Promise<RunReport> {
    const env = this.options.backend?.env ?? process.env;
    const context: RunnerContext = {
      ai: this.backend.ai,
      access: this.backend.access,
      ledger: this.ledger,
      limits: this.limits,
      poll: { ...(this.backend.kind === 'emulator' ? LOCAL_POLL : DEFAULT_POLL), ...pollFromEnv(env), ...this.options.poll },
      maxAttempts: this.options.maxAttempts ?? 3,
      splitAbove: this.options.splitAbove ?? 1_000,
      uploadAttempts: 4,
      loadBatchSize: Number(env.GBI_LOAD_BATCH_ROWS) || loadBatchRows(dims),
      onEvent: (event) => this.options.onEvent?.({ type: 'batch', event }),
    };
    return runJobs(context, this.chunkSink(dims), { wait });
  }

  /**
   * Output that is not JSON or does not fit the schema is recorded on the document, not retried now:
   * a model that answered badly once tends to again. The next build asks again.
   */
  private async storeSummaries(results: StoredResult[]): Promise<void> {
    const changes = new Map<string, Partial<DocumentRow>>();
    for (const result of results) {
      const parsed = parseSummary(String(result.value));
      if (parsed.ok) {
        this.summarized++;
        changes.set(documentHashOf(result.key), { summary: parsed.value.summary, keywords: parsed.value.keywords.join(', '), summary_error: '' });
      } else {
        this.failedSummaries++;
        changes.set(documentHashOf(result.key), { summary: '', keywords: '', summary_error: parsed.error });
      }
    }
    await this.store.updateDocumentsByHash(changes);
  }

  async close(): Promise<void> {
    this.store.close();
    await this.backend.close();
    await this.pending.close();
    await this.lock?.release();
  }

  /** Turns embedding results into chunk rows for every pending occurrence of each key. */
  private chunkSink(dims: number): BatchSink {
    const { store, pending, currentHash } = this;
    return {
      store: async (kind, results: StoredResult[]): Promise<Failure[]> => {
        if (kind === 'summary') {
          await this.storeSummaries(results);
          return [];
        }
        const rejected: Failure[] = [];
        const rows: ChunkRow[] = [];
        const paid: { key: string; vector: Float32Array }[] = [];
        // One buffer for the batch's vectors, in order: the Arrow vector columns of both writes are then views of it, not copies.
        const vectors = new Float32Array(results.length * dims);
        for (const result of results) {
          const values = result.value as ArrayLike<number>;
          if (values.length !== dims) {
            rejected.push({ key: result.key, error: `expected ${dims} values, got ${values.length}` });
            continue;
          }
          const vector = storedVector(values, vectors.subarray(paid.length * dims, (paid.length + 1) * dims));
          paid.push({ key: result.key, vector });
        }
        const waiting = pending.take(paid.map(({ key }) => key));
        for (const { key, vector } of paid) {
          // Rows of a version that has since changed again are dropped: a newer plan owns that path.
          // A path not yet catalogued keeps its rows, so the vector is not lost; the next plan redoes them.
          for (const row of waiting.get(key) ?? []) {
            const current = currentHash.get(row.path);
            if (current === undefined || current === row.doc_hash) rows.push({ ...row, vector });
          }
          // A key twice in a batch: its rows go with the first of its vectors.
          waiting.delete(key);
        }
        // What was paid for is kept before anything else happens to it.
        await store.rememberVectors(paid);
        await store.upsertChunks(rows);
        return rejected;
      },
      settled: () => pending.save(),
      giveUp: async (kind, failures) => {
        if (kind === 'summary') {
          this.failedSummaries += failures.length;
          await store.updateDocumentsByHash(
            new Map(failures.map((failure) => [documentHashOf(failure.key), { summary: '', keywords: '', summary_error: failure.error }])),
          );
          return;
        }
        for (const rows of pending.take(failures.map((failure) => failure.key)).values()) this.failedChunks += rows.length;
        await pending.save();
      },
    };
  }
}

/**
 * Rows per write, sized by vector bytes (about 3 MB): LanceDB's memory grows with the size of each
 * write while its time barely does. Measured over 15k rows appended to both tables: at 3072 dims
 * 250 rows a write are as fast as 500 and peak 50 MB lower (1,000: 1.2× slower, +65 MB); at 768
 * dims 1,000 rows are as fast as 2,000 or faster, and peak 90 MB lower.
 */
export function loadBatchRows(dims: number): number {
  return Math.max(200, Math.min(2_000, Math.round(750_000 / dims)));
}

/** The backend for an index: the in-process emulator keeps its state in the index's own state folder. */
export function openIndexBackend(index: string, options: BackendOptions = {}): Promise<Backend> {
  return openBackend({ emulatorStateDir: join(stateDirOf(index), 'emulator'), ...options });
}

export function emptyReport(): RunReport {
  return { submittedJobs: 0, loadedJobs: 0, stored: 0, retried: 0, givenUp: 0, pendingJobs: 0 };
}

export function addReport(total: RunReport, more: RunReport): void {
  for (const field of Object.keys(total) as (keyof RunReport)[]) total[field] += more[field];
}

/** GBI_POLL_INITIAL_MS / GBI_POLL_MAX_MS: shorter polling against a fast local emulator. */
function pollFromEnv(env: NodeJS.ProcessEnv): Partial<PollSettings> {
  const initial = Number(env.GBI_POLL_INITIAL_MS);
  const max = Number(env.GBI_POLL_MAX_MS);
  return { ...(initial > 0 ? { initialMs: initial } : {}), ...(max > 0 ? { maxMs: max } : {}) };
}

/**
 * Writes the vector stored for an embedding's values into `vector` (of the same length) and returns
 * it: full-size output as it came, truncated output L2-normalized, computed in doubles from the
 * values as parsed and then stored as float32.
 */
export function storedVector(values: ArrayLike<number>, vector: Float32Array): Float32Array {
  if (values.length >= NATIVE_NORMALIZED_DIMS) {
    vector.set(values);
    return vector;
  }
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < values.length; i++) vector[i] = values[i] / norm;
  return vector;
}
