/** Counters a test can read to assert what the emulator was asked to do. */
import { createHash } from 'node:crypto';
import type { EndpointName } from './faults.js';

/** Where a successful embedding was produced: in a batch job or by an interactive call. */
export type EmbeddingSource = 'batch' | 'interactive';

export interface EmulatorStats {
  /** Calls per endpoint, including calls answered with an error (injected or not). */
  callCount(endpoint: EndpointName): number;
  /** All non-zero call counts. */
  callCounts(): Partial<Record<EndpointName, number>>;
  /** Bytes received in upload chunks. */
  readonly uploadedBytes: number;
  /** Successful embeddings produced (all sources when `source` is omitted). */
  embeddingCount(source?: EmbeddingSource): number;
  /** How often exactly this text was embedded successfully. */
  timesEmbedded(text: string, source?: EmbeddingSource): number;
  /** How many distinct texts were embedded successfully more than once. */
  textsEmbeddedMoreThanOnce(source?: EmbeddingSource): number;
  /** Zeroes every counter. */
  reset(): void;
}

/** Texts are counted by digest so that counting 100k chunks stays cheap in memory. */
export function textDigest(text: string): string {
  return createHash('sha1').update(text).digest('base64');
}

export class StatsRecorder implements EmulatorStats {
  private calls = new Map<EndpointName, number>();
  private uploaded = 0;
  private readonly embeddedBySource: Record<EmbeddingSource, Map<string, number>> = {
    batch: new Map(),
    interactive: new Map(),
  };

  get uploadedBytes(): number {
    return this.uploaded;
  }

  recordCall(endpoint: EndpointName): void {
    this.calls.set(endpoint, this.callCount(endpoint) + 1);
  }

  recordUploadedBytes(bytes: number): void {
    this.uploaded += bytes;
  }

  recordEmbedding(digest: string, source: EmbeddingSource): void {
    const counts = this.embeddedBySource[source];
    counts.set(digest, (counts.get(digest) ?? 0) + 1);
  }

  callCount(endpoint: EndpointName): number {
    return this.calls.get(endpoint) ?? 0;
  }

  callCounts(): Partial<Record<EndpointName, number>> {
    return Object.fromEntries(this.calls);
  }

  embeddingCount(source?: EmbeddingSource): number {
    let total = 0;
    for (const counts of this.sources(source)) for (const count of counts.values()) total += count;
    return total;
  }

  timesEmbedded(text: string, source?: EmbeddingSource): number {
    const digest = textDigest(text);
    let total = 0;
    for (const counts of this.sources(source)) total += counts.get(digest) ?? 0;
    return total;
  }

  textsEmbeddedMoreThanOnce(source?: EmbeddingSource): number {
    const merged = new Map<string, number>();
    for (const counts of this.sources(source)) {
      for (const [digest, count] of counts) merged.set(digest, (merged.get(digest) ?? 0) + count);
    }
    let repeated = 0;
    for (const count of merged.values()) if (count > 1) repeated++;
    return repeated;
  }

  reset(): void {
    this.calls = new Map();
    this.uploaded = 0;
    this.embeddedBySource.batch.clear();
    this.embeddedBySource.interactive.clear();
  }

  private sources(source: EmbeddingSource | undefined): Array<Map<string, number>> {
    return source ? [this.embeddedBySource[source]] : Object.values(this.embeddedBySource);
  }
}
