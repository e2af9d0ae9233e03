import { type GoogleGenAI, JobState } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../src/emulator/index.js';
import { EMBEDDING_MODEL, clientFor, googleError, waitForTerminal } from './helpers/emulator-client.js';

const CONFIGURED_KEY = 'the-only-valid-key';

let emulator: EmulatorHandle;
let ai: GoogleGenAI;
const logLines: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 5, apiKey: CONFIGURED_KEY, log: (line) => logLines.push(line) });
  ai = clientFor(emulator, { apiKey: CONFIGURED_KEY });
});

afterAll(async () => {
  await emulator.close();
});

function embedSomething(client: GoogleGenAI): Promise<unknown> {
  return client.models.embedContent({ model: EMBEDDING_MODEL, contents: 'hello', config: { outputDimensionality: 4 } });
}

describe('authentication', () => {
  it('answers a wrong key like Google: 400 INVALID_ARGUMENT, reason API_KEY_INVALID, key not echoed', async () => {
    const error = await embedSomething(clientFor(emulator, { apiKey: 'wrong-key-123' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    const body = googleError(error) as { status: string; details?: Array<{ reason?: string }> };
    expect(body.status).toBe('INVALID_ARGUMENT');
    expect(body.details?.[0]?.reason).toBe('API_KEY_INVALID');
    expect(String(error)).not.toContain('wrong-key-123');
  });

  it('answers a missing key like Google: 403 PERMISSION_DENIED', async () => {
    const error = await embedSomething(clientFor(emulator, { apiKey: '' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403 });
    expect(googleError(error).status).toBe('PERMISSION_DENIED');
  });

  it('never logs the key', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(CONFIGURED_KEY);
  });
});

describe('bad requests', () => {
  it('answers unknown ids with 404 NOT_FOUND', async () => {
    const calls: Array<() => Promise<unknown>> = [
      () => ai.batches.get({ name: 'batches/doesnotexist' }),
      () => ai.batches.cancel({ name: 'batches/doesnotexist' }),
      () => ai.batches.delete({ name: 'batches/doesnotexist' }),
      () => ai.files.get({ name: 'files/doesnotexist' }),
      () => ai.files.delete({ name: 'files/doesnotexist' }),
      () => ai.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName: 'files/doesnotexist' } }),
    ];
    for (const call of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 404 });
      expect(googleError(error)).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    }
  });

  it('answers a malformed JSON body with 400 INVALID_ARGUMENT as JSON', async () => {
    const response = await fetch(`${emulator.url}/v1beta/models/${EMBEDDING_MODEL}:asyncBatchEmbedContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': CONFIGURED_KEY, 'content-type': 'application/json' },
      body: '{"batch": {"inputConfig": ',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
  });

  it('rejects an inline batch over 20 MB with 400', async () => {
    const oneMiB = 'word '.repeat(209_716);
    const contents = Array.from({ length: 21 }, (_, i) => `${i} ${oneMiB}`);
    const error = await ai.batches
      .createEmbeddings({ model: EMBEDDING_MODEL, src: { inlinedRequests: { contents } } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    expect(googleError(error).message).toMatch(/exceeds the limit/);
  });

  it('rejects a batch with no requests', async () => {
    const error = await ai.batches
      .createEmbeddings({ model: EMBEDDING_MODEL, src: { inlinedRequests: { contents: [] } } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
  });

  it('cannot cancel a finished batch', async () => {
    const created = await ai.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: ['done soon'], config: { outputDimensionality: 4 } } },
    });
    expect((await waitForTerminal(ai, created.name as string)).state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const error = await ai.batches.cancel({ name: created.name as string }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    expect(googleError(error).status).toBe('FAILED_PRECONDITION');
  });
});
