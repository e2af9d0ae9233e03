import { join } from 'node:path';
import type { GoogleGenAI } from '@google/genai';
import type { RequestLine } from './kinds.js';
import type { BatchState, JobKind, Ledger, LedgerEntry } from './ledger.js';
import { failpoint } from './failpoint.js';
import { readRequestKeys, readRequestLines } from './request-file.js';
import { readResults, type ResultLine } from './results.js';
import { planJobs, submitJob, type PreparedRequest, type SubmitLimits } from './submit.js';
import { waitForJobs, type JobStatus, type PollSettings, type RawAccess } from './wait.js';

export interface StoredResult {
  key: string;
  value: unknown;
  tokens: number;
}

export interface Failure {
  key: string;
  error: string;
}

/** Where results go. The runner knows nothing of chunks or documents; the sink does. */
export interface BatchSink {
  /** Stores successful results; returns the ones it could not use (retried like request errors). */
  store(kind: JobKind, results: StoredResult[]): Promise<Failure[]>;
  /** Requests given up on: every attempt failed, or their job was cancelled. */
  giveUp(kind: JobKind, failures: Failure[]): Promise<void>;
  /** A job is fully handled and about to leave the ledger: make what was stored for it durable. */
  settled?(): Promise<void>;
}

export type BatchEvent =
  | { type: 'submitted'; entry: LedgerEntry }
  | { type: 'status'; entry: LedgerEntry; status: JobStatus }
  | { type: 'loaded'; entry: LedgerEntry; stored: number; failed: number }
  | { type: 'resubmitted'; entry: LedgerEntry; state: BatchState; jobs: number }
  | { type: 'retrying'; entry: LedgerEntry; requests: number };

export interface RunnerContext {
  ai: GoogleGenAI;
  access: RawAccess;
  ledger: Ledger;
  limits: SubmitLimits;
  poll: PollSettings;
  /** Attempts per request (first submission included) before it is given up on. */
  maxAttempts: number;
  /** A failed or expired job with more requests than this is resubmitted as two halves. */
  splitAbove: number;
  uploadAttempts: number;
  /** Results stored per write: large for throughput, bounded for memory. */
  loadBatchSize: number;
  onEvent?: (event: BatchEvent) => void;
}

export interface RunReport {
  submittedJobs: number;
  loadedJobs: number;
  stored: number;
  retried: number;
  givenUp: number;
  /** Jobs still on their way when the run stopped waiting (--no-wait). */
  pendingJobs: number;
}

/**
 * Drives every job in the ledger to the end: submit what is written, wait for what is submitted,
 * load what finished, and put failures into retry jobs until they succeed or run out of attempts.
 * With `wait: false` it stops once everything is submitted.
 */
export async function runJobs(context: RunnerContext, sink: BatchSink, options: { wait: boolean }): Promise<RunReport> {
  const report: RunReport = { submittedJobs: 0, loadedJobs: 0, stored: 0, retried: 0, givenUp: 0, pendingJobs: 0 };
  const fromEarlierRun = new Set(context.ledger.jobs.map((job) => job.id));
  for (;;) {
    for (const entry of context.ledger.jobs.filter((job) => job.step === 'written' || job.step === 'uploaded')) {
      const submitted = await submitJob(
        { ai: context.ai, ledger: context.ledger, uploadAttempts: context.uploadAttempts, lookUpExisting: fromEarlierRun.has(entry.id) },
        entry,
      );
      report.submittedJobs++;
      context.onEvent?.({ type: 'submitted', entry: submitted });
    }
    const open = [...context.ledger.jobs];
    if (open.length === 0) return report;
    // Without waiting, each job is looked at once: what finished is loaded, the rest stays pending.
    const finished = await waitForJobs(
      context.access,
      context.ledger,
      open,
      context.poll,
      (entry, status) => context.onEvent?.({ type: 'status', entry, status }),
      options.wait,
    );
    if (finished.length === 0) {
      report.pendingJobs = open.length;
      return report;
    }
    for (const entry of finished) await settle(context, sink, entry, report);
  }
}

/** Loads or resubmits one finished job, then drops it from the ledger. */
async function settle(context: RunnerContext, sink: BatchSink, entry: LedgerEntry, report: RunReport): Promise<void> {
  const { ledger } = context;
  if (entry.state === 'SUCCEEDED') {
    const failures = await load(context, sink, entry, report);
    await retryOrGiveUp(context, sink, entry, failures, report);
  } else if ((entry.state === 'FAILED' || entry.state === 'EXPIRED') && entry.attempt < context.maxAttempts) {
    const requests = await requestsOf(ledger, entry);
    const halves = requests.length > context.splitAbove ? [requests.slice(0, requests.length >> 1), requests.slice(requests.length >> 1)] : [requests];
    let jobs = 0;
    for (const [index, half] of halves.entries()) {
      jobs += (await planJobs(ledger, entry.kind, entry.model, half, context.limits, entry.attempt + 1, `${entry.id}.${index}`)).length;
    }
    context.onEvent?.({ type: 'resubmitted', entry, state: entry.state, jobs });
  } else {
    const why = entry.state === 'CANCELLED' ? 'job cancelled' : `job ${entry.state?.toLowerCase()} after ${entry.attempt} attempts${entry.error ? `: ${entry.error}` : ''}`;
    const failures = (await requestsOf(ledger, entry)).map((request) => ({ key: request.key, error: why }));
    if (entry.state === 'CANCELLED') await ledger.recordCancelled(failures.map((failure) => failure.key));
    await sink.giveUp(entry.kind, failures);
    report.givenUp += failures.length;
  }
  await sink.settled?.();
  failpoint('loaded');
  await deleteJobFiles(context, entry);
  await ledger.remove(entry.id);
}

/**
 * The uploaded input and the generated result count toward the project's file storage until they
 * expire (48 h): once a job is settled they are deleted. Best effort: the service has refused to
 * delete result files with long ids, and an expired file is gone anyway.
 */
async function deleteJobFiles(context: RunnerContext, entry: LedgerEntry): Promise<void> {
  const names = [entry.uploadedFile, entry.resultFile].filter((name): name is string => Boolean(name));
  await Promise.all(names.map((name) => context.ai.files.delete({ name }).catch(() => undefined)));
}

async function load(context: RunnerContext, sink: BatchSink, entry: LedgerEntry, report: RunReport): Promise<Failure[]> {
  const failures: Failure[] = [];
  const answered = new Set<string>();
  let batch: StoredResult[] = [];
  let stored = 0;
  const flush = async () => {
    const rejected = await sink.store(entry.kind, batch);
    failures.push(...rejected);
    stored += batch.length - rejected.length;
    batch = [];
    failpoint('loading');
  };
  for await (const result of readResults(context.ai, context.ledger, entry) as AsyncIterable<ResultLine>) {
    if (answered.has(result.key)) continue;
    answered.add(result.key);
    if (result.ok) {
      batch.push({ key: result.key, value: result.value, tokens: result.tokens });
      if (batch.length >= context.loadBatchSize) await flush();
    } else {
      failures.push({ key: result.key, error: result.error });
    }
  }
  if (batch.length > 0) await flush();
  for await (const key of readRequestKeys(join(context.ledger.workDir, entry.requestFile))) {
    if (!answered.has(key)) failures.push({ key, error: 'no result for this request' });
  }
  report.loadedJobs++;
  report.stored += stored;
  context.onEvent?.({ type: 'loaded', entry, stored, failed: failures.length });
  return failures;
}

async function retryOrGiveUp(
  context: RunnerContext,
  sink: BatchSink,
  entry: LedgerEntry,
  failures: Failure[],
  report: RunReport,
): Promise<void> {
  if (failures.length === 0) return;
  if (entry.attempt >= context.maxAttempts) {
    await sink.giveUp(entry.kind, failures);
    report.givenUp += failures.length;
    return;
  }
  const failed = new Set(failures.map((failure) => failure.key));
  const retry = (await requestsOf(context.ledger, entry)).filter((request) => failed.has(request.key));
  await planJobs(context.ledger, entry.kind, entry.model, retry, context.limits, entry.attempt + 1, `${entry.id}.r`);
  report.retried += retry.length;
  context.onEvent?.({ type: 'retrying', entry, requests: retry.length });
}

async function requestsOf(ledger: Ledger, entry: LedgerEntry): Promise<PreparedRequest[]> {
  const requests: PreparedRequest[] = [];
  const perRequest = entry.requestCount ? entry.estimatedTokens / entry.requestCount : 0;
  for await (const line of readRequestLines(join(ledger.workDir, entry.requestFile)) as AsyncIterable<RequestLine>) {
    requests.push({ ...line, tokens: Math.round(perRequest) });
  }
  return requests;
}
