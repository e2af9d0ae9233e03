import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { GoogleGenAI } from '@google/genai';
import { writeAll, writeFileAtomic } from '../fs/atomic.js';
import { kindOf, type RequestLine } from './kinds.js';
import type { InputMode, JobKind, Ledger, LedgerEntry } from './ledger.js';
import { readRequestLines } from './request-file.js';
import { failpoint } from './failpoint.js';
import { requestLineJson } from './request-line.js';

export type InputPolicy = 'auto' | InputMode;

export interface SubmitLimits {
  input: InputPolicy;
  /** Inline results carry no keys and are matched by position, so inline jobs stay small. */
  maxInlineRequests: number;
  /** The API takes inline bodies under 20 MB; this leaves room for the envelope. */
  maxInlineBytes: number;
  /** An input file may be up to 2 GB. */
  maxFileBytes: number;
  maxRequestsPerJob: number;
}

export const DEFAULT_SUBMIT_LIMITS: SubmitLimits = {
  input: 'auto',
  maxInlineRequests: 1_000,
  maxInlineBytes: 19_000_000,
  maxFileBytes: 1_900_000_000,
  maxRequestsPerJob: 200_000,
};

/** A request ready to go: its line and what it is expected to cost. */
export interface PreparedRequest extends RequestLine {
  tokens: number;
  /** requestLineJson of this request as UTF-8, when it was made ahead (on the thread that prepared it). */
  line?: Uint8Array;
}

interface Serialized {
  key: string;
  /** The request line, without its newline. */
  line: Uint8Array;
  bytes: number;
  tokens: number;
  group: string;
}

/**
 * Splits requests into jobs under the limits, writes each job's request file durably and records it
 * in the ledger (step `written`). Nothing is sent yet: submission is a separate, resumable step.
 */
export async function planJobs(
  ledger: Ledger,
  kind: JobKind,
  model: string,
  requests: readonly PreparedRequest[],
  limits: SubmitLimits,
  attempt = 1,
  idPrefix?: string,
): Promise<LedgerEntry[]> {
  if (requests.length === 0) return [];
  const requestKind = kindOf(kind);
  const serialized: Serialized[] = requests.map((request) => {
    const line = request.line ?? Buffer.from(requestLineJson(request));
    return {
      key: request.key,
      line,
      bytes: line.length + 1,
      tokens: request.tokens,
      group: requestKind.inlineGroup(request),
    };
  });
  const input = chooseInput(serialized, limits);
  const groups = input === 'inline' ? groupBy(serialized, (line) => line.group) : [serialized];
  const maxCount = input === 'inline' ? Math.min(limits.maxInlineRequests, limits.maxRequestsPerJob) : limits.maxRequestsPerJob;
  const maxBytes = input === 'inline' ? limits.maxInlineBytes : limits.maxFileBytes;
  const entries: LedgerEntry[] = [];
  for (const group of groups) {
    for (const slice of splitByLimits(group, maxCount, maxBytes)) {
      const id = idPrefix ? `${idPrefix}${entries.length ? `-${entries.length}` : ''}` : newJobId();
      if (ledger.find(id)) continue; // recorded before a crash: it is already on its way
      const requestFile = `${id}.requests.jsonl`;
      await writeRequestFile(join(ledger.workDir, requestFile), slice);
      const now = new Date().toISOString();
      const entry: LedgerEntry = {
        id,
        kind,
        model,
        input,
        step: 'written',
        requestFile,
        requestCount: slice.length,
        requestBytes: slice.reduce((sum, line) => sum + line.bytes, 0),
        estimatedTokens: slice.reduce((sum, line) => sum + line.tokens, 0),
        attempt,
        createdAt: now,
        updatedAt: now,
      };
      await ledger.add(entry);
      failpoint('request-file-written');
      entries.push(entry);
    }
  }
  return entries;
}

function chooseInput(lines: readonly Serialized[], limits: SubmitLimits): InputMode {
  if (limits.input !== 'auto') return limits.input;
  const bytes = lines.reduce((sum, line) => sum + line.bytes, 0);
  const oneGroup = new Set(lines.map((line) => line.group)).size === 1;
  return lines.length <= limits.maxInlineRequests && bytes <= limits.maxInlineBytes && oneGroup ? 'inline' : 'file';
}

function groupBy<T>(items: readonly T[], groupOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groupOf(item);
    const members = groups.get(group);
    if (members) members.push(item);
    else groups.set(group, [item]);
  }
  return [...groups.values()];
}

function* splitByLimits(lines: readonly Serialized[], maxCount: number, maxBytes: number): Generator<Serialized[]> {
  let current: Serialized[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (current.length > 0 && (current.length >= maxCount || bytes + line.bytes > maxBytes)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += line.bytes;
  }
  if (current.length > 0) yield current;
}

function writeRequestFile(path: string, lines: readonly Serialized[]): Promise<void> {
  return writeFileAtomic(path, (handle) => writeLines(handle, lines));
}

/** Lines are copied into buffers of about this size; a line longer than that gets buffers its size. */
const WRITE_BUFFER_BYTES = 4 << 20;
const NEWLINE = 0x0a;

/**
 * Lines are copied into one of two large buffers, which take turns: one fills while the other is
 * being written, so that the file is written in a few large writes that overlap the copying.
 */
async function writeLines(handle: FileHandle, lines: readonly Serialized[]): Promise<void> {
  const totalBytes = lines.reduce((sum, line) => sum + line.bytes, 0);
  const longestLine = lines.reduce((longest, line) => Math.max(longest, line.bytes), 0);
  const size = Math.max(Math.min(WRITE_BUFFER_BYTES, totalBytes), longestLine);
  let filling = Buffer.allocUnsafe(size);
  let spare = Buffer.allocUnsafe(size);
  let used = 0;
  let writing: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    await writing; // spare is free again
    writing = writeAll(handle, filling.subarray(0, used));
    [filling, spare] = [spare, filling];
    used = 0;
  };
  for (const line of lines) {
    if (used + line.bytes > size) await flush();
    filling.set(line.line, used);
    used += line.line.length;
    filling[used++] = NEWLINE;
  }
  await flush();
  await writing;
}

export function newJobId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function displayNameOf(entry: Pick<LedgerEntry, 'id'>): string {
  return `gbi-${entry.id}`;
}

export interface SubmitContext {
  ai: GoogleGenAI;
  ledger: Ledger;
  /** Upload attempts before giving up on a job for this run. */
  uploadAttempts: number;
  /** Set for jobs recorded by an earlier run: a job it created may not have reached the ledger. */
  lookUpExisting: boolean;
}

/** Takes a job from its recorded step to `submitted`, recording each step. */
export async function submitJob(context: SubmitContext, entry: LedgerEntry): Promise<LedgerEntry> {
  const { ai, ledger } = context;
  const requestPath = join(ledger.workDir, entry.requestFile);
  if (entry.step === 'written' && context.lookUpExisting) {
    const existing = await findJobByDisplayName(ai, displayNameOf(entry));
    if (existing) return ledger.update(entry.id, { step: 'submitted', name: existing });
  }
  if (entry.step === 'written' && entry.input === 'file') {
    const uploaded = await uploadWithRetry(context, requestPath, entry);
    entry = await ledger.update(entry.id, { step: 'uploaded', uploadedFile: uploaded });
    failpoint('uploaded');
  }
  if (entry.step === 'uploaded' && context.lookUpExisting) {
    const existing = await findJobByDisplayName(ai, displayNameOf(entry));
    if (existing) return ledger.update(entry.id, { step: 'submitted', name: existing });
  }
  if (entry.step === 'written' || entry.step === 'uploaded') {
    const kind = kindOf(entry.kind);
    const job =
      entry.input === 'inline'
        ? await kind.createInline(ai, entry.model, await collect(readRequestLines(requestPath)), displayNameOf(entry))
        : await kind.createFromFile(ai, entry.model, entry.uploadedFile!, displayNameOf(entry));
    if (!job.name) throw new Error(`the service created a batch job for ${entry.id} but returned no name`);
    failpoint('job-created-unrecorded');
    entry = await ledger.update(entry.id, { step: 'submitted', name: job.name, state: 'PENDING' });
    failpoint('job-created');
  }
  return entry;
}

async function uploadWithRetry(context: SubmitContext, path: string, entry: LedgerEntry): Promise<string> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= context.uploadAttempts; attempt++) {
    try {
      const file = await context.ai.files.upload({
        file: path,
        config: { mimeType: 'application/jsonl', displayName: `${displayNameOf(entry)}.jsonl` },
      });
      if (!file.name) throw new Error('the upload finished without a file name');
      return file.name;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`uploading the request file of job ${entry.id} failed ${context.uploadAttempts} times: ${errorText(lastError)}`);
}

/** Jobs are listed newest first; a crash leaves its job among the most recent ones. */
const LOOKUP_PAGES = 5;

async function findJobByDisplayName(ai: GoogleGenAI, displayName: string): Promise<string | undefined> {
  const pager = await ai.batches.list({ config: { pageSize: 100 } });
  let pages = 0;
  for (;;) {
    const match = pager.page.find((job) => job.displayName === displayName);
    if (match?.name) return match.name;
    if (!pager.hasNextPage() || ++pages >= LOOKUP_PAGES) return undefined;
    await pager.nextPage();
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
