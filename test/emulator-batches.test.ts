import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GoogleGenAI, JobState, Type } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, hashEmbed, startEmulator } from '../src/emulator/index.js';
import {
  EMBEDDING_MODEL,
  GENERATION_MODEL,
  clientFor,
  cosine,
  makeTempDir,
  norm,
  rawJson,
  removeDir,
  waitForState,
  waitForTerminal,
} from './helpers/emulator-client.js';

interface ResultLine {
  key?: string;
  response?: { embedding?: { values: number[] }; tokenCount?: string; candidates?: Array<{ content: { parts: Array<{ text: string }> } }> };
  error?: { code: number; message: string; status: string };
}

interface RawOperation {
  name: string;
  done?: boolean;
  error?: { code: number; message: string };
  response?: { '@type': string; responsesFile?: string };
  metadata: { '@type': string; state: string; batchStats: Record<string, string>; output?: Record<string, unknown> };
}

let emulator: EmulatorHandle;
let ai: GoogleGenAI;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 5 });
  ai = clientFor(emulator);
  dir = await makeTempDir();
});

afterAll(async () => {
  await emulator.close();
  await removeDir(dir);
});

async function uploadJsonl(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  const file = await ai.files.upload({ file: path, config: { mimeType: 'application/jsonl', displayName: name } });
  return file.name as string;
}

async function downloadLines(fileName: string): Promise<ResultLine[]> {
  const path = join(dir, `${fileName.replace('/', '_')}.jsonl`);
  await ai.files.download({ file: fileName, downloadPath: path });
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ResultLine);
}

function embedLine(key: string, text: string, dims: number, snakeCase = false): string {
  const dimsField = snakeCase ? 'output_dimensionality' : 'outputDimensionality';
  return JSON.stringify({ key, request: { content: { parts: [{ text }] }, [dimsField]: dims } });
}

describe('batches.createEmbeddings', () => {
  it('embeds inline requests, one unit vector per content, in request order', async () => {
    const texts = ['LanceDB is a vector database.', 'Batch jobs are asynchronous.', 'LanceDB stores vectors.'];
    const created = await ai.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: texts, config: { outputDimensionality: 256, taskType: 'RETRIEVAL_DOCUMENT' } } },
      config: { displayName: 'inline-embeddings' },
    });
    expect(created.state).toBe(JobState.JOB_STATE_PENDING);
    expect(created.name).toMatch(/^batches\/[a-z0-9]+$/);

    const job = await waitForTerminal(ai, created.name as string);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    expect(job.displayName).toBe('inline-embeddings');
    const responses = job.dest?.inlinedEmbedContentResponses ?? [];
    expect(responses).toHaveLength(texts.length);
    const vectors = responses.map((item) => item.response?.embedding?.values ?? []);
    vectors.forEach((values, i) => {
      expect(values).toHaveLength(256);
      expect(norm(values)).toBeCloseTo(1, 5);
      // Exactly the embedder's float32 values, so any caller can recompute them.
      expect(values.map(Math.fround)).toEqual(Array.from(hashEmbed(texts[i] as string, 256)));
    });
    expect(cosine(vectors[0] ?? [], vectors[2] ?? [])).toBeGreaterThan(cosine(vectors[0] ?? [], vectors[1] ?? []));

    const raw = await rawJson<RawOperation>(emulator, `/v1beta/${created.name}`);
    expect(raw.done).toBe(true);
    expect(raw.metadata['@type']).toMatch(/EmbedContentBatch$/);
    expect(raw.metadata.batchStats).toEqual({ requestCount: '3', successfulRequestCount: '3' });
    expect(raw.metadata.output).toHaveProperty('inlinedResponses.inlinedResponses');
  });

  it('embeds a keyed JSONL file into a shuffled result file with one line per key', async () => {
    const count = 600;
    const lines = Array.from({ length: count }, (_, i) => embedLine(`k${i}`, `chunk number ${i} about topic ${i % 7}`, 16, i % 2 === 0));
    const fileName = await uploadJsonl('embed-input.jsonl', lines);
    const created = await ai.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName } });
    const job = await waitForTerminal(ai, created.name as string);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const batchId = (created.name as string).split('/')[1];
    expect(job.dest?.fileName).toBe(`files/batch-${batchId}`);

    const results = await downloadLines(job.dest?.fileName as string);
    const keys = results.map((line) => line.key);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: count }, (_, i) => `k${i}`)));
    expect(keys).toHaveLength(count);
    expect(keys).not.toEqual(Array.from({ length: count }, (_, i) => `k${i}`));
    for (const line of results) {
      expect(line.response?.embedding?.values).toHaveLength(16);
      expect(line.response?.tokenCount).toMatch(/^\d+$/);
    }
    const k5 = results.find((line) => line.key === 'k5');
    expect(k5?.response?.embedding?.values.map(Math.fround)).toEqual(Array.from(hashEmbed('chunk number 5 about topic 5', 16)));

    const generated = await ai.files.get({ name: job.dest?.fileName as string });
    expect(generated.source).toBe('GENERATED');
    expect(generated.state).toBe('ACTIVE');

    const raw = await rawJson<RawOperation>(emulator, `/v1beta/${created.name}`);
    expect(raw.metadata.batchStats).toEqual({ requestCount: String(count), successfulRequestCount: String(count) });
    expect(raw.response?.responsesFile).toBe(`files/batch-${batchId}`);
  });

  it('embeds a big file job (on worker threads) with the same vectors and errors as a small one', async () => {
    const count = 1_500;
    const text = (i: number) => `passage ${i}: the ${i % 2 ? 'kubelet' : 'scheduler'} reads ${i % 13} configs, naïve café ${i % 5}`;
    const lines = Array.from({ length: count }, (_, i) => embedLine(`k${i}`, text(i), 32, i % 3 === 0));
    lines[700] = '{"key": "broken", "request": ';
    const fileName = await uploadJsonl('big-embed-input.jsonl', lines);
    const created = await ai.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName } });
    const job = await waitForTerminal(ai, created.name as string);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const byKey = new Map((await downloadLines(job.dest?.fileName as string)).map((line) => [line.key, line]));
    expect(byKey.size).toBe(count);
    expect(byKey.get('broken')?.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    for (let i = 0; i < count; i++) {
      if (i === 700) continue;
      expect(byKey.get(`k${i}`)?.response?.embedding?.values.map(Math.fround), `k${i}`).toEqual(Array.from(hashEmbed(text(i), 32)));
    }
  });

  it('turns a malformed JSONL line into an error line that keeps its key', async () => {
    const fileName = await uploadJsonl('malformed.jsonl', [
      embedLine('good', 'a fine request', 8),
      '{"key": "broken", "request": {"content": ',
      JSON.stringify({ key: 'no-text', request: { content: { parts: [] } } }),
      JSON.stringify({ key: 'too-big', request: { content: { parts: [{ text: 'x' }] }, outputDimensionality: 4096 } }),
    ]);
    const created = await ai.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName } });
    const job = await waitForTerminal(ai, created.name as string);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const byKey = new Map((await downloadLines(job.dest?.fileName as string)).map((line) => [line.key, line]));
    expect(byKey.get('good')?.response?.embedding?.values).toHaveLength(8);
    for (const key of ['broken', 'no-text', 'too-big']) {
      expect(byKey.get(key)?.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    }
    const raw = await rawJson<RawOperation>(emulator, `/v1beta/${created.name}`);
    expect(raw.metadata.batchStats).toEqual({ requestCount: '4', successfulRequestCount: '1', failedRequestCount: '3' });
  });

  it('is served under /v1 as well', async () => {
    const v1 = clientFor(emulator, { apiVersion: 'v1' });
    const created = await v1.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: ['v1 works too'], config: { outputDimensionality: 8 } } },
    });
    const job = await waitForTerminal(v1, created.name as string);
    expect(job.dest?.inlinedEmbedContentResponses).toHaveLength(1);
  });
});

describe('batches.create (generateContent)', () => {
  const document =
    'Batch jobs cost half as much as interactive calls. They run asynchronously and usually finish within a day. ' +
    'Results come back in a file. Each result line carries the key of its request. Clients poll the job until it is done.';
  const schema = {
    type: Type.OBJECT,
    properties: {
      summary: { type: Type.STRING },
      keywords: { type: Type.ARRAY, items: { type: Type.STRING } },
      wordCount: { type: Type.INTEGER },
    },
    required: ['summary', 'keywords'],
  };

  it('answers inline requests with structured JSON shaped by the system instruction', async () => {
    const created = await ai.batches.create({
      model: GENERATION_MODEL,
      src: [
        {
          contents: [{ role: 'user', parts: [{ text: document }] }],
          config: {
            systemInstruction: 'Summarize the document in at most 12 words and list 3 keywords.',
            responseMimeType: 'application/json',
            responseSchema: schema,
          },
          metadata: { key: 'doc-1' },
        },
        { contents: [{ role: 'user', parts: [{ text: document }] }], metadata: { key: 'doc-2' } },
      ],
      config: { displayName: 'summaries' },
    });
    const job = await waitForTerminal(ai, created.name as string);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const [structured, plain] = job.dest?.inlinedResponses ?? [];
    expect(structured?.metadata).toEqual({ key: 'doc-1' });
    // Inline batch responses are plain objects in SDK 2.32.0: no `.text` getter.
    const parsed = JSON.parse(structured?.response?.candidates?.[0]?.content?.parts?.[0]?.text ?? '') as { summary: string; keywords: string[]; wordCount: number };
    expect(parsed.summary.split(' ').length).toBeLessThanOrEqual(12);
    expect(document).toContain(parsed.summary.split(' ').slice(0, 3).join(' '));
    expect(parsed.keywords).toHaveLength(3);
    expect(parsed.keywords).toContain('batch');
    expect(Number.isInteger(parsed.wordCount)).toBe(true);
    expect(structured?.response?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(structured?.response?.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    expect(plain?.response?.candidates?.[0]?.content?.parts?.[0]?.text?.length).toBeGreaterThan(0);

    const raw = await rawJson<RawOperation>(emulator, `/v1beta/${created.name}`);
    expect(raw.metadata['@type']).toMatch(/GenerateContentBatch$/);
  });

  it('answers a keyed JSONL file (snake_case fields) with GenerateContentResponses', async () => {
    const lines = ['a', 'b', 'c'].map((key) =>
      JSON.stringify({
        key,
        request: {
          contents: [{ role: 'user', parts: [{ text: `${document} Document ${key}.` }] }],
          system_instruction: { parts: [{ text: 'Answer in two sentences.' }] },
          generation_config: { response_mime_type: 'application/json', response_schema: schema },
        },
      }),
    );
    const fileName = await uploadJsonl('generate-input.jsonl', lines);
    const created = await ai.batches.create({ model: GENERATION_MODEL, src: fileName });
    const job = await waitForTerminal(ai, created.name as string);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const results = await downloadLines(job.dest?.fileName as string);
    expect(new Set(results.map((line) => line.key))).toEqual(new Set(['a', 'b', 'c']));
    for (const line of results) {
      const text = line.response?.candidates?.[0]?.content.parts[0]?.text ?? '';
      expect(JSON.parse(text)).toMatchObject({ summary: expect.any(String), keywords: expect.any(Array) });
    }
  });
});

describe('batch lifecycle', () => {
  function smallEmbeddingJob(label: string): ReturnType<GoogleGenAI['batches']['createEmbeddings']> {
    return ai.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: [label], config: { outputDimensionality: 4 } } },
      config: { displayName: label },
    });
  }

  it('lists batches newest first, page by page', async () => {
    const created = [];
    for (const label of ['list-1', 'list-2', 'list-3']) created.push((await smallEmbeddingJob(label)).name);
    const pager = await ai.batches.list({ config: { pageSize: 2 } });
    expect(pager.page).toHaveLength(2);
    expect(pager.page[0]?.name).toBe(created[2]);
    expect(pager.hasNextPage()).toBe(true);
    const seen: string[] = [];
    for await (const job of pager) seen.push(job.name as string);
    expect(seen).toEqual(expect.arrayContaining(created as string[]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('cancels a running job and a pending job', async () => {
    emulator.faults.hold();
    try {
      const running = await smallEmbeddingJob('cancel-running');
      await waitForState(ai, running.name as string, JobState.JOB_STATE_RUNNING);
      await ai.batches.cancel({ name: running.name as string });
      expect((await ai.batches.get({ name: running.name as string })).state).toBe(JobState.JOB_STATE_CANCELLED);
    } finally {
      emulator.faults.release();
    }
    emulator.faults.slowJobs(60_000);
    try {
      const pending = await smallEmbeddingJob('cancel-pending');
      expect((await ai.batches.get({ name: pending.name as string })).state).toBe(JobState.JOB_STATE_PENDING);
      await ai.batches.cancel({ name: pending.name as string });
      const cancelled = await ai.batches.get({ name: pending.name as string });
      expect(cancelled.state).toBe(JobState.JOB_STATE_CANCELLED);
      expect(cancelled.dest).toBeUndefined();
    } finally {
      emulator.faults.slowJobs(null);
    }
  });

  it('deletes a batch', async () => {
    const created = await smallEmbeddingJob('to-delete');
    await waitForTerminal(ai, created.name as string);
    await ai.batches.delete({ name: created.name as string });
    await expect(ai.batches.get({ name: created.name as string })).rejects.toMatchObject({ status: 404 });
  });

  it('reports progress counters while a job is pending', async () => {
    emulator.faults.slowJobs(60_000);
    try {
      const created = await smallEmbeddingJob('stats');
      const raw = await rawJson<RawOperation>(emulator, `/v1beta/${created.name}`);
      expect(raw.metadata.state).toBe('BATCH_STATE_PENDING');
      expect(raw.metadata.batchStats).toEqual({ requestCount: '1', pendingRequestCount: '1' });
      expect(raw.done).toBeUndefined();
      await ai.batches.cancel({ name: created.name as string });
    } finally {
      emulator.faults.slowJobs(null);
    }
  });
});
