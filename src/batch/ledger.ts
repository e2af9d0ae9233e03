import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';

export type JobKind = 'embed' | 'summary';
export type InputMode = 'inline' | 'file';

/**
 * Where a job is in its life. Each step is recorded before the next begins, so a run stopped at any
 * point resumes from the last recorded step instead of submitting again.
 */
export type LedgerStep = 'written' | 'uploaded' | 'submitted' | 'finished';

export type BatchState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'EXPIRED' | 'UNKNOWN';

export interface LedgerEntry {
  /** Ours; also the job's display name (`gbi-<id>`), so a job created before a crash can be found again. */
  id: string;
  kind: JobKind;
  model: string;
  input: InputMode;
  step: LedgerStep;
  /** The request JSONL in the work area, relative to it: one `{key, request}` per line. */
  requestFile: string;
  requestCount: number;
  requestBytes: number;
  estimatedTokens: number;
  /** 1 for a first submission; retries and resubmissions count up. */
  attempt: number;
  uploadedFile?: string;
  /** The generated result file of a file job, once known; deleted after loading. */
  resultFile?: string;
  /** The service's name for the job, `batches/…`. */
  name?: string;
  state?: BatchState;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

export interface LedgerData {
  version: 1;
  jobs: LedgerEntry[];
  /** Keys whose job the user cancelled: not submitted again until asked (`--resubmit-cancelled`). */
  cancelledKeys?: string[];
}

/** The job ledger: a small JSON file in the index's state folder, rewritten atomically at each step. */
export class Ledger {
  private constructor(
    readonly stateDir: string,
    private data: LedgerData,
  ) {}

  static path(stateDir: string): string {
    return join(stateDir, 'ledger.json');
  }

  static async open(stateDir: string): Promise<Ledger> {
    try {
      const data = JSON.parse(await readFile(Ledger.path(stateDir), 'utf8')) as LedgerData;
      return new Ledger(stateDir, data);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Ledger(stateDir, { version: 1, jobs: [] });
      throw new Error(`the job ledger at ${Ledger.path(stateDir)} is unreadable: ${(error as Error).message}`);
    }
  }

  get workDir(): string {
    return join(this.stateDir, 'work');
  }

  get jobs(): readonly LedgerEntry[] {
    return this.data.jobs;
  }

  find(id: string): LedgerEntry | undefined {
    return this.data.jobs.find((job) => job.id === id);
  }

  async add(entry: LedgerEntry): Promise<void> {
    this.data.jobs.push(entry);
    await this.save();
  }

  async update(id: string, change: Partial<LedgerEntry>): Promise<LedgerEntry> {
    const entry = this.find(id);
    if (!entry) throw new Error(`no job ${id} in the ledger`);
    Object.assign(entry, change, { updatedAt: new Date().toISOString() });
    await this.save();
    return entry;
  }

  /** Drops a job that is fully handled, with its files in the work area. */
  async remove(id: string): Promise<void> {
    const entry = this.find(id);
    if (!entry) return;
    this.data.jobs = this.data.jobs.filter((job) => job.id !== id);
    await this.save();
    await rm(join(this.workDir, entry.requestFile), { force: true });
    await rm(join(this.workDir, resultFileName(entry)), { force: true });
  }

  get cancelledKeys(): ReadonlySet<string> {
    return new Set(this.data.cancelledKeys ?? []);
  }

  async recordCancelled(keys: readonly string[]): Promise<void> {
    this.data.cancelledKeys = [...new Set([...(this.data.cancelledKeys ?? []), ...keys])];
    await this.save();
  }

  async clearCancelled(): Promise<number> {
    const count = this.data.cancelledKeys?.length ?? 0;
    delete this.data.cancelledKeys;
    await this.save();
    return count;
  }

  /** Forgets every job of a kind, e.g. embeddings made for a fingerprint that no longer applies. */
  async dropKind(kind: JobKind): Promise<void> {
    for (const entry of this.data.jobs.filter((job) => job.kind === kind)) await this.remove(entry.id);
  }

  private async save(): Promise<void> {
    await writeFileAtomic(Ledger.path(this.stateDir), `${JSON.stringify(this.data, null, 1)}\n`);
  }
}

export function resultFileName(entry: Pick<LedgerEntry, 'id'>): string {
  return `${entry.id}.results.jsonl`;
}
