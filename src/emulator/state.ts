/**
 * Emulator state: batch, file and upload records, plus the directory holding file bytes.
 *
 * Records live in memory. With a state directory they are also written to `state.json`
 * (atomically, coalescing bursts of changes) so that a restarted emulator finds them again.
 * File bytes always live on disk, never in memory: in the state directory, or in a temporary
 * directory removed on close.
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GoogleErrorObject } from './errors.js';
import type { ForcedJobOutcome } from './faults.js';
import type { BatchKind } from './results.js';

export type BatchState =
  | 'BATCH_STATE_PENDING'
  | 'BATCH_STATE_RUNNING'
  | 'BATCH_STATE_SUCCEEDED'
  | 'BATCH_STATE_FAILED'
  | 'BATCH_STATE_CANCELLED'
  | 'BATCH_STATE_EXPIRED';

export const TERMINAL_STATES: ReadonlySet<BatchState> = new Set([
  'BATCH_STATE_SUCCEEDED',
  'BATCH_STATE_FAILED',
  'BATCH_STATE_CANCELLED',
  'BATCH_STATE_EXPIRED',
]);

/** The error of a failed operation: a google.rpc.Status (canonical code number). */
export interface OperationError {
  code: number;
  message: string;
}

export interface BatchRecord {
  id: string;
  kind: BatchKind;
  /** `models/…` */
  model: string;
  displayName?: string;
  state: BatchState;
  createTime: string;
  updateTime: string;
  endTime?: string;
  /** `files/…` for file input; absent for inline input. */
  inputFileName?: string;
  requestCount?: number;
  successfulCount: number;
  failedCount: number;
  forcedOutcome?: ForcedJobOutcome;
  error?: OperationError;
  /** `files/batch-…` once a file-input job succeeded. */
  outputFileName?: string;
  /** Creation order, for listing newest first. */
  sequence: number;
}

export type FileSource = 'UPLOADED' | 'GENERATED';

export interface FileRecord {
  id: string;
  displayName?: string;
  mimeType: string;
  sizeBytes: number;
  createTime: string;
  updateTime: string;
  expirationTime: string;
  sha256Hash: string;
  source: FileSource;
  sequence: number;
}

export interface UploadSession {
  id: string;
  fileId: string;
  displayName?: string;
  mimeType: string;
  declaredSize?: number;
  receivedBytes: number;
  createTime: string;
}

/** One inline response as the API returns it: a response or an error, plus the request's metadata. */
export interface InlineResponse {
  response?: unknown;
  error?: GoogleErrorObject;
  metadata?: unknown;
}

interface PersistedState {
  version: 1;
  sequence: number;
  batches: BatchRecord[];
  files: FileRecord[];
  uploads: UploadSession[];
}

const STATE_FILE = 'state.json';

export class StateStore {
  readonly batches = new Map<string, BatchRecord>();
  readonly files = new Map<string, FileRecord>();
  readonly uploads = new Map<string, UploadSession>();
  /** Inline responses of succeeded batches, read from disk on first use. */
  private readonly inlineResponses = new Map<string, InlineResponse[]>();
  private sequence = 0;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private writeError: unknown;

  private constructor(
    /** Where file bytes, inline inputs and outputs live. */
    readonly dataDir: string,
    /** Set when records are persisted (a state directory was given). */
    private readonly stateFile: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  static async open(stateDir: string | undefined, log: (line: string) => void): Promise<StateStore> {
    if (stateDir === undefined) {
      const store = new StateStore(await mkdtemp(join(tmpdir(), 'gbi-emulator-')), undefined, log);
      await store.makeDirectories();
      return store;
    }
    const store = new StateStore(stateDir, join(stateDir, STATE_FILE), log);
    await store.makeDirectories();
    await store.load();
    return store;
  }

  get persistent(): boolean {
    return this.stateFile !== undefined;
  }

  nextSequence(): number {
    this.sequence += 1;
    return this.sequence;
  }

  fileBytesPath(fileId: string): string {
    return join(this.dataDir, 'files', fileId);
  }

  uploadBytesPath(uploadId: string): string {
    return join(this.dataDir, 'uploads', uploadId);
  }

  inlineInputPath(batchId: string): string {
    return join(this.dataDir, 'inline', `${batchId}.input.jsonl`);
  }

  inlineOutputPath(batchId: string): string {
    return join(this.dataDir, 'inline', `${batchId}.output.json`);
  }

  partialOutputPath(batchId: string): string {
    return join(this.dataDir, 'work', `${batchId}.partial`);
  }

  async readInlineResponses(batchId: string): Promise<InlineResponse[]> {
    let responses = this.inlineResponses.get(batchId);
    if (!responses) {
      responses = JSON.parse(await readFile(this.inlineOutputPath(batchId), 'utf8')) as InlineResponse[];
      this.inlineResponses.set(batchId, responses);
    }
    return responses;
  }

  rememberInlineResponses(batchId: string, responses: InlineResponse[]): void {
    this.inlineResponses.set(batchId, responses);
  }

  async removeInlineData(batchId: string): Promise<void> {
    this.inlineResponses.delete(batchId);
    await rm(this.inlineInputPath(batchId), { force: true });
    await rm(this.inlineOutputPath(batchId), { force: true });
  }

  /** Records changed: write them soon (no-op without a state directory). */
  save(): void {
    if (!this.stateFile) return;
    this.dirty = true;
    this.writing ??= this.writeUntilClean()
      .catch((error: unknown) => {
        this.writeError = error;
        this.log(`could not write ${this.stateFile}: ${String(error)}`);
      })
      .finally(() => {
        this.writing = undefined;
      });
  }

  /** Waits until every change so far is on disk; throws if a write failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.writeError !== undefined) throw this.writeError;
  }

  async close(): Promise<void> {
    await this.flush();
    if (!this.persistent) await rm(this.dataDir, { recursive: true, force: true });
  }

  private async writeUntilClean(): Promise<void> {
    const stateFile = this.stateFile as string;
    while (this.dirty) {
      this.dirty = false;
      const snapshot: PersistedState = {
        version: 1,
        sequence: this.sequence,
        batches: [...this.batches.values()],
        files: [...this.files.values()],
        uploads: [...this.uploads.values()],
      };
      const temporary = `${stateFile}.tmp`;
      await writeFile(temporary, JSON.stringify(snapshot));
      await rename(temporary, stateFile);
    }
  }

  private async makeDirectories(): Promise<void> {
    for (const sub of ['files', 'uploads', 'inline', 'work']) await mkdir(join(this.dataDir, sub), { recursive: true });
  }

  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.stateFile as string, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const state = JSON.parse(text) as PersistedState;
    if (state.version !== 1) throw new Error(`Unsupported emulator state version ${String(state.version)} in ${this.stateFile}`);
    this.sequence = state.sequence;
    for (const batch of state.batches) this.batches.set(batch.id, batch);
    for (const file of state.files) this.files.set(file.id, file);
    for (const upload of state.uploads) this.uploads.set(upload.id, upload);
  }
}
