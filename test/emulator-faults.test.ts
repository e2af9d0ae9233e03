import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GoogleGenAI, JobState } from '@google/genai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../src/emulator/index.js';
import {
  EMBEDDING_MODEL,
  GENERATION_MODEL,
  clientFor,
  googleError,
  makeTempDir,
  rawJson,
  removeDir,
  waitForState,
  waitForTerminal,
} from './helpers/emulator-client.js';

interface ResultLine {
  key: string;
  response?: unknown;
  error?: { code: number; status: string };
}

/** Fast retries, so tests that let the SDK retry stay quick. */
const QUICK_RETRIES = { attempts: 3, initialDelay: 0.01, maxDelay: 0.02 };
const SEED = 42;

let emulator: EmulatorHandle;
let ai: GoogleGenAI;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 5, seed: SEED });
  ai = clientFor(emulator);
  dir = await makeTempDir();
});

afterEach(() => {
  emulator.faults.reset();
});

afterAll(async () => {
  await emulator.close();
  await removeDir(dir);
});

async function runKeyedEmbeddings(client: GoogleGenAI, texts: Map<string, string>, label: string): Promise<ResultLine[]> {
  const inputPath = join(dir, `${label}.jsonl`);
  const lines = [...texts].map(([key, text]) => JSON.stringify({ key, request: { content: { parts: [{ text }] }, outputDimensionality: 8 } }));
  await writeFile(inputPath, `${lines.join('\n')}\n`);
  const input = await client.files.upload({ file: inputPath, config: { mimeType: 'application/jsonl' } });
  const created = await client.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName: input.name as string } });
  const job = await waitForTerminal(client, created.name as string);
  expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
  const outputPath = join(dir, `${label}.out.jsonl`);
  await client.files.download({ file: job.dest?.fileName as string, downloadPath: outputPath });
  return (await readFile(outputPath, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as ResultLine);
}

function failedKeys(results: ResultLine[]): string[] {
  return results.filter((line) => line.error).map((line) => line.key).sort();
}

describe('per-request errors', () => {
  it('fails a seeded fraction of items; retried items get a fresh chance; nothing is embedded twice', async () => {
    emulator.stats.reset();
    emulator.faults.set({ requestErrorRate: 0.5 });
    const texts = new Map<string, string>(Array.from({ length: 40 }, (_, i) => [`key-${i}`, `request error text ${i}`]));
    let pending = new Map(texts);
    const firstFailures = failedKeys(await runKeyedEmbeddings(ai, pending, 'errors-0'));
    expect(firstFailures.length).toBeGreaterThan(5);
    expect(firstFailures.length).toBeLessThan(35);
    pending = new Map(firstFailures.map((key) => [key, texts.get(key) as string]));
    for (let attempt = 1; pending.size > 0 && attempt < 12; attempt++) {
      const results = await runKeyedEmbeddings(ai, pending, `errors-${attempt}`);
      for (const line of results.filter((result) => result.error)) expect(line.error).toMatchObject({ code: 500, status: 'INTERNAL' });
      pending = new Map(failedKeys(results).map((key) => [key, texts.get(key) as string]));
    }
    expect(pending.size).toBe(0);
    expect(emulator.stats.embeddingCount('batch')).toBe(texts.size);
    expect(emulator.stats.textsEmbeddedMoreThanOnce('batch')).toBe(0);

    // The same seed makes the same first decisions in a fresh emulator.
    const twin = await startEmulator({ latencyMs: 5, seed: SEED, faults: { requestErrorRate: 0.5 } });
    try {
      expect(failedKeys(await runKeyedEmbeddings(clientFor(twin), texts, 'errors-twin'))).toEqual(firstFailures);
    } finally {
      await twin.close();
    }
  });
});

describe('forced job outcomes', () => {
  for (const outcome of ['FAILED', 'EXPIRED'] as const) {
    it(`makes the next job ${outcome} with an operation error, then runs normally`, async () => {
      emulator.faults.failNextJobs(1, outcome);
      const request = { model: EMBEDDING_MODEL, src: { inlinedRequests: { contents: ['doomed'], config: { outputDimensionality: 4 } } } };
      const doomed = await waitForTerminal(ai, (await ai.batches.createEmbeddings(request)).name as string);
      expect(doomed.state).toBe(outcome === 'FAILED' ? JobState.JOB_STATE_FAILED : JobState.JOB_STATE_EXPIRED);
      expect(doomed.dest).toBeUndefined();
      const raw = await rawJson<{ done: boolean; error: { code: number; message: string } }>(emulator, `/v1beta/${doomed.name}`);
      expect(raw.done).toBe(true);
      expect(raw.error.code).toBe(outcome === 'FAILED' ? 13 : 4);
      const next = await waitForTerminal(ai, (await ai.batches.createEmbeddings(request)).name as string);
      expect(next.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    });
  }
});

describe('failing calls', () => {
  it('answers the next calls of an endpoint with 429 or 503, which retryOptions absorb', async () => {
    const created = await ai.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: ['polled'], config: { outputDimensionality: 4 } } },
    });
    emulator.faults.failNextCalls('getBatch', 1, 429);
    const error = await ai.batches.get({ name: created.name as string }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429 });
    expect(googleError(error).status).toBe('RESOURCE_EXHAUSTED');

    emulator.faults.failNextCalls('asyncBatchEmbedContent', 2, 503);
    const retrying = clientFor(emulator, { retryOptions: QUICK_RETRIES });
    const callsBefore = emulator.stats.callCount('asyncBatchEmbedContent');
    const retried = await retrying.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: ['after two 503s'], config: { outputDimensionality: 4 } } },
    });
    expect(retried.state).toBe(JobState.JOB_STATE_PENDING);
    expect(emulator.stats.callCount('asyncBatchEmbedContent') - callsBefore).toBe(3);
  });

  it('fails upload chunks with 503: the SDK throws without retries and succeeds with them', async () => {
    const path = join(dir, 'chunky.jsonl');
    await writeFile(path, '{"key":"a"}\n');
    emulator.faults.failNextUploadChunks(1);
    const error = await ai.files.upload({ file: path, config: { mimeType: 'application/jsonl' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503 });

    emulator.faults.failNextUploadChunks(1);
    const file = await clientFor(emulator, { retryOptions: QUICK_RETRIES }).files.upload({
      file: path,
      config: { mimeType: 'application/jsonl' },
    });
    expect(file.sizeBytes).toBe('12');
  });
});

describe('job timing', () => {
  it('holds jobs RUNNING until released', async () => {
    emulator.faults.hold();
    const created = await ai.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: ['held'], config: { outputDimensionality: 4 } } },
    });
    await waitForState(ai, created.name as string, JobState.JOB_STATE_RUNNING);
    for (let poll = 0; poll < 5; poll++) {
      expect((await ai.batches.get({ name: created.name as string })).state).toBe(JobState.JOB_STATE_RUNNING);
    }
    emulator.faults.release();
    expect((await waitForTerminal(ai, created.name as string)).state).toBe(JobState.JOB_STATE_SUCCEEDED);
  });

  it('keeps slow jobs PENDING', async () => {
    emulator.faults.slowJobs(60_000);
    const created = await ai.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: ['slow'], config: { outputDimensionality: 4 } } },
    });
    for (let poll = 0; poll < 5; poll++) {
      expect((await ai.batches.get({ name: created.name as string })).state).toBe(JobState.JOB_STATE_PENDING);
    }
    await ai.batches.cancel({ name: created.name as string });
  });
});

describe('invalid JSON answers', () => {
  const jsonConfig = {
    responseMimeType: 'application/json',
    responseSchema: { type: 'OBJECT', properties: { summary: { type: 'STRING' } } },
  };
  const contents = 'Structured output is parsed by the client. A broken answer must be retried.';

  it('breaks the next interactive JSON answer', async () => {
    emulator.faults.breakNextJson(1);
    const broken = await ai.models.generateContent({ model: GENERATION_MODEL, contents, config: jsonConfig });
    expect(() => JSON.parse(broken.text ?? '')).toThrow();
    const fine = await ai.models.generateContent({ model: GENERATION_MODEL, contents, config: jsonConfig });
    expect(JSON.parse(fine.text ?? '')).toHaveProperty('summary');
  });

  it('breaks a fraction of batch JSON answers', async () => {
    emulator.faults.set({ invalidJsonRate: 1 });
    const created = await ai.batches.create({
      model: GENERATION_MODEL,
      src: [1, 2, 3].map((n) => ({ contents: [{ role: 'user', parts: [{ text: `${contents} ${n}` }] }], config: jsonConfig })),
    });
    const job = await waitForTerminal(ai, created.name as string);
    const texts = (job.dest?.inlinedResponses ?? []).map((item) => item.response?.candidates?.[0]?.content?.parts?.[0]?.text ?? '');
    expect(texts).toHaveLength(3);
    for (const text of texts) expect(() => JSON.parse(text)).toThrow();
  });
});
