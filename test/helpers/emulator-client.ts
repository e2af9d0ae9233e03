/** Shared helpers for tests that talk to the emulator through the real SDK. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BatchJob, GoogleGenAI, type HttpRetryOptions, JobState } from '@google/genai';
import type { EmulatorHandle } from '../../src/emulator/index.js';

export const TEST_API_KEY = 'emulator-test-key';
export const EMBEDDING_MODEL = 'gemini-embedding-001';
export const GENERATION_MODEL = 'gemini-2.5-flash';

const TERMINAL_STATES: ReadonlySet<string> = new Set([
  JobState.JOB_STATE_SUCCEEDED,
  JobState.JOB_STATE_FAILED,
  JobState.JOB_STATE_CANCELLED,
  JobState.JOB_STATE_EXPIRED,
]);

export interface ClientOptions {
  apiKey?: string;
  apiVersion?: 'v1beta' | 'v1';
  retryOptions?: HttpRetryOptions;
}

export function clientFor(emulator: EmulatorHandle, options: ClientOptions = {}): GoogleGenAI {
  return new GoogleGenAI({
    apiKey: options.apiKey ?? TEST_API_KEY,
    apiVersion: options.apiVersion ?? 'v1beta',
    httpOptions: { baseUrl: emulator.url, ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}) },
  });
}

/** Polls `batches.get` until `done(job)` holds, with a short pause between polls. */
export async function pollBatch(
  ai: GoogleGenAI,
  name: string,
  done: (job: BatchJob) => boolean,
  timeoutMs = 10_000,
): Promise<BatchJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await ai.batches.get({ name });
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`${name} still ${job.state} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

export function waitForTerminal(ai: GoogleGenAI, name: string, timeoutMs?: number): Promise<BatchJob> {
  return pollBatch(ai, name, (job) => TERMINAL_STATES.has(job.state ?? ''), timeoutMs);
}

export function waitForState(ai: GoogleGenAI, name: string, state: JobState, timeoutMs?: number): Promise<BatchJob> {
  return pollBatch(ai, name, (job) => job.state === state, timeoutMs);
}

/** A GET without the SDK, for fields the SDK drops (batchStats, error) and for paths it never uses. */
export async function rawGet(emulator: EmulatorHandle, path: string, apiKey = TEST_API_KEY): Promise<Response> {
  return fetch(`${emulator.url}${path}`, { headers: { 'x-goog-api-key': apiKey } });
}

export async function rawJson<T = Record<string, unknown>>(emulator: EmulatorHandle, path: string): Promise<T> {
  const response = await rawGet(emulator, path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function makeTempDir(prefix = 'gbi-emulator-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function norm(values: ArrayLike<number>): number {
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] ?? 0) ** 2;
  return Math.sqrt(squares);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot / (norm(a) * norm(b));
}

/** Parses the message of an SDK ApiError (the JSON body) into Google's error object. */
export function googleError(error: unknown): { code: number; message: string; status: string } {
  const message = error instanceof Error ? error.message : String(error);
  return (JSON.parse(message) as { error: { code: number; message: string; status: string } }).error;
}
