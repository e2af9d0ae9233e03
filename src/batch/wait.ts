import { failpoint } from './failpoint.js';
import type { BatchState, Ledger, LedgerEntry } from './ledger.js';

/** Counts the REST resource carries and the SDK drops. */
export interface BatchStats {
  requestCount: number;
  successfulRequestCount: number;
  failedRequestCount: number;
  pendingRequestCount: number;
}

export interface JobStatus {
  state: BatchState;
  stats: BatchStats;
  error?: string;
}

/** Enough to read a job's REST resource directly: `batchStats` and `error` never reach the SDK's BatchJob. */
export interface RawAccess {
  baseUrl: string;
  apiVersion: string;
  apiKey: string;
}

const NO_STATS: BatchStats = { requestCount: 0, successfulRequestCount: 0, failedRequestCount: 0, pendingRequestCount: 0 };

export const TERMINAL_STATES: ReadonlySet<BatchState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED']);

export async function fetchJobStatus(access: RawAccess, name: string): Promise<JobStatus> {
  const url = `${access.baseUrl.replace(/\/+$/, '')}/${access.apiVersion}/${name}`;
  const response = await fetch(url, { headers: { 'x-goog-api-key': access.apiKey } });
  const body = (await response.json().catch(() => undefined)) as
    | {
        metadata?: { state?: string; batchStats?: Record<string, string | number> };
        error?: { message?: string; status?: string };
      }
    | undefined;
  if (!response.ok) {
    const message = body?.error?.message ?? response.statusText;
    throw new HttpStatusError(response.status, `reading ${name} failed: ${response.status} ${message}`);
  }
  const stats = body?.metadata?.batchStats ?? {};
  return {
    state: batchStateOf(body?.metadata?.state),
    stats: {
      requestCount: Number(stats.requestCount ?? 0),
      successfulRequestCount: Number(stats.successfulRequestCount ?? 0),
      failedRequestCount: Number(stats.failedRequestCount ?? 0),
      pendingRequestCount: Number(stats.pendingRequestCount ?? 0),
    },
    error: body?.error ? [body.error.status, body.error.message].filter(Boolean).join(': ') : undefined,
  };
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

export function batchStateOf(state: string | undefined): BatchState {
  const bare = (state ?? '').replace(/^(BATCH|JOB)_STATE_/, '');
  const known: BatchState[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'];
  return (known as string[]).includes(bare) ? (bare as BatchState) : 'UNKNOWN';
}

export interface PollSettings {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** Real jobs take minutes to hours: a poll every few seconds at first, then at most once a minute. */
export const DEFAULT_POLL: PollSettings = { initialMs: 5_000, maxMs: 60_000, factor: 1.5 };
/**
 * The local emulator finishes jobs in milliseconds to seconds, and a poll costs it well under a
 * millisecond: a job is noticed at most 250 ms after it ends.
 */
export const LOCAL_POLL: PollSettings = { initialMs: 50, maxMs: 250, factor: 1.5 };

export type JobProgress = (entry: LedgerEntry, status: JobStatus) => void;

/**
 * Polls submitted jobs until each is terminal (or, with `untilAllDone` false, looks once), recording
 * terminal states (step `finished`). Transient read failures (429, 5xx, network) only lengthen the
 * wait; a job the service no longer knows (deleted by hand) ends as cancelled.
 */
export async function waitForJobs(
  access: RawAccess,
  ledger: Ledger,
  entries: readonly LedgerEntry[],
  poll: PollSettings,
  onProgress: JobProgress = () => {},
  untilAllDone = true,
): Promise<LedgerEntry[]> {
  let waiting = entries.filter((entry) => entry.step === 'submitted');
  const done = entries.filter((entry) => entry.step === 'finished');
  let delay = poll.initialMs;
  while (waiting.length > 0) {
    const still: LedgerEntry[] = [];
    for (const entry of waiting) {
      let status: JobStatus;
      try {
        status = await fetchJobStatus(access, entry.name!);
      } catch (error) {
        if (error instanceof HttpStatusError && error.status === 404) {
          status = { state: 'CANCELLED', stats: NO_STATS, error: `${entry.name} no longer exists (deleted)` };
        } else if (error instanceof HttpStatusError && error.status < 500 && error.status !== 429) {
          throw error;
        } else {
          still.push(entry);
          continue;
        }
      }
      onProgress(entry, status);
      failpoint('polling');
      if (TERMINAL_STATES.has(status.state)) {
        done.push(await ledger.update(entry.id, { step: 'finished', state: status.state, error: status.error }));
      } else {
        if (status.state !== entry.state) await ledger.update(entry.id, { state: status.state });
        still.push(entry);
      }
    }
    waiting = still;
    if (!untilAllDone) break;
    if (waiting.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(poll.maxMs, delay * poll.factor);
    }
  }
  return done;
}
