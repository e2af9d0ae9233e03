/**
 * Fault injection. Every random decision is a hash of (seed, kind, subject, attempt), where the
 * attempt counts how often that subject (a request key, or its text) was seen before, so a
 * retried request gets a fresh, still deterministic, decision.
 */
import { seededUnit } from './hashing.js';

/** Names of the endpoints, used for call statistics and injected call failures. */
export const ENDPOINT_NAMES = [
  'asyncBatchEmbedContent',
  'batchGenerateContent',
  'getBatch',
  'listBatches',
  'cancelBatch',
  'deleteBatch',
  'uploadStart',
  'uploadChunk',
  'getFile',
  'listFiles',
  'deleteFile',
  'download',
  'batchEmbedContents',
  'embedContent',
  'generateContent',
] as const;

export type EndpointName = (typeof ENDPOINT_NAMES)[number];

/** Terminal states a job can be forced into. */
export type ForcedJobOutcome = 'FAILED' | 'EXPIRED';

/** HTTP statuses an injected call failure can answer with. */
export type InjectedHttpStatus = 429 | 503;

export interface CallFailure {
  /** How many more calls of the endpoint fail. */
  remaining: number;
  status: InjectedHttpStatus;
}

export interface FaultSettings {
  /** Fraction (0–1) of batch request items answered with a per-request INTERNAL error. */
  requestErrorRate: number;
  /** Fraction (0–1) of JSON-mode generateContent answers (interactive and batch) that are not valid JSON. */
  invalidJsonRate: number;
  /** The next N JSON-mode generateContent answers are not valid JSON. */
  invalidJsonNext: number;
  /** Overrides the emulator's job latency (ms) for every phase of every job; null = no override. */
  jobLatencyMs: number | null;
  /** While true, jobs that reach RUNNING stay RUNNING until released. */
  hold: boolean;
  /** Outcomes forced on the next jobs created, consumed in order. */
  forcedJobOutcomes: ForcedJobOutcome[];
  /** Calls that fail with 429/503, per endpoint. */
  callFailures: Partial<Record<EndpointName, CallFailure>>;
}

export interface FaultController {
  /** A copy of the current settings. */
  readonly settings: FaultSettings;
  set(partial: Partial<FaultSettings>): void;
  /** Back to no faults at all (and releases held jobs). */
  reset(): void;
  hold(): void;
  release(): void;
  failNextJobs(count: number, outcome: ForcedJobOutcome): void;
  failNextCalls(endpoint: EndpointName, count: number, status: InjectedHttpStatus): void;
  /** The next N upload chunk requests answer 503 UNAVAILABLE. */
  failNextUploadChunks(count: number): void;
  /** The next N JSON-mode generateContent answers (interactive or batch) are not valid JSON. */
  breakNextJson(count: number): void;
  /** Overrides the job latency; null restores the emulator's own. */
  slowJobs(latencyMs: number | null): void;
}

function noFaults(): FaultSettings {
  return {
    requestErrorRate: 0,
    invalidJsonRate: 0,
    invalidJsonNext: 0,
    jobLatencyMs: null,
    hold: false,
    forcedJobOutcomes: [],
    callFailures: {},
  };
}

function copySettings(settings: FaultSettings): FaultSettings {
  const callFailures: Partial<Record<EndpointName, CallFailure>> = {};
  for (const [endpoint, failure] of Object.entries(settings.callFailures) as Array<[EndpointName, CallFailure]>) {
    callFailures[endpoint] = { ...failure };
  }
  return { ...settings, forcedJobOutcomes: [...settings.forcedJobOutcomes], callFailures };
}

function assertRate(name: string, rate: number): void {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${name} must be within [0, 1], got ${rate}`);
}

function assertCount(name: string, count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`${name} must be a non-negative integer, got ${count}`);
}

/** The fault state of one emulator: the public controller plus the decisions the server asks for. */
export class Faults implements FaultController {
  private current: FaultSettings;
  private readonly attempts = new Map<string, number>();
  private readonly releaseWaiters = new Set<() => void>();

  constructor(
    private readonly seed: number,
    initial: Partial<FaultSettings> = {},
  ) {
    this.current = noFaults();
    this.set(initial);
  }

  get settings(): FaultSettings {
    return copySettings(this.current);
  }

  set(partial: Partial<FaultSettings>): void {
    const next = copySettings({ ...this.current, ...partial });
    assertRate('requestErrorRate', next.requestErrorRate);
    assertRate('invalidJsonRate', next.invalidJsonRate);
    assertCount('invalidJsonNext', next.invalidJsonNext);
    if (next.jobLatencyMs !== null) assertCount('jobLatencyMs', next.jobLatencyMs);
    for (const failure of Object.values(next.callFailures)) assertCount('callFailures.remaining', failure.remaining);
    this.current = next;
    if (!next.hold) this.wakeHeldJobs();
  }

  reset(): void {
    this.set(noFaults());
  }

  hold(): void {
    this.current.hold = true;
  }

  release(): void {
    this.current.hold = false;
    this.wakeHeldJobs();
  }

  failNextJobs(count: number, outcome: ForcedJobOutcome): void {
    assertCount('count', count);
    for (let i = 0; i < count; i++) this.current.forcedJobOutcomes.push(outcome);
  }

  failNextCalls(endpoint: EndpointName, count: number, status: InjectedHttpStatus): void {
    assertCount('count', count);
    this.current.callFailures[endpoint] = { remaining: count, status };
  }

  failNextUploadChunks(count: number): void {
    this.failNextCalls('uploadChunk', count, 503);
  }

  breakNextJson(count: number): void {
    assertCount('count', count);
    this.current.invalidJsonNext = count;
  }

  slowJobs(latencyMs: number | null): void {
    this.set({ jobLatencyMs: latencyMs });
  }

  /** The injected failure for this call of `endpoint`, if any (consumes one). */
  takeCallFailure(endpoint: EndpointName): InjectedHttpStatus | undefined {
    const failure = this.current.callFailures[endpoint];
    if (!failure || failure.remaining <= 0) return undefined;
    failure.remaining -= 1;
    return failure.status;
  }

  /** The outcome forced on a job being created, if any (consumes one). */
  takeForcedOutcome(): ForcedJobOutcome | undefined {
    return this.current.forcedJobOutcomes.shift();
  }

  jobLatency(defaultMs: number): number {
    return this.current.jobLatencyMs ?? defaultMs;
  }

  /** Whether this batch request item fails; `subject` is its key or, without one, its text. */
  requestFails(subject: string): boolean {
    return this.roll('request-error', subject, this.current.requestErrorRate);
  }

  /** Whether this JSON-mode generateContent answer is corrupted; consumes `invalidJsonNext` first. */
  jsonBreaks(subject: string): boolean {
    if (this.current.invalidJsonNext > 0) {
      this.current.invalidJsonNext -= 1;
      return true;
    }
    return this.roll('invalid-json', subject, this.current.invalidJsonRate);
  }

  /** Resolves once jobs are not held (at once if they are not), or rejects when `signal` aborts. */
  whenReleased(signal: AbortSignal): Promise<void> {
    if (!this.current.hold) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.releaseWaiters.delete(wake);
        reject(signal.reason);
      };
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.releaseWaiters.add(wake);
    });
  }

  private roll(kind: string, subject: string, rate: number): boolean {
    if (rate <= 0) return false;
    const attemptKey = `${kind}\u0000${subject}`;
    const attempt = (this.attempts.get(attemptKey) ?? 0) + 1;
    this.attempts.set(attemptKey, attempt);
    return seededUnit(this.seed, kind, subject, attempt) < rate;
  }

  private wakeHeldJobs(): void {
    const waiters = [...this.releaseWaiters];
    this.releaseWaiters.clear();
    for (const wake of waiters) wake();
  }
}
