import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GoogleGenAI, JobState } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle, startEmulator } from '../src/emulator/index.js';
import {
  EMBEDDING_MODEL,
  clientFor,
  googleError,
  makeTempDir,
  rawGet,
  removeDir,
  waitForTerminal,
} from './helpers/emulator-client.js';

const EIGHT_MIB = 8 * 1024 * 1024;

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

async function writeJsonl(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('files', () => {
  it('uploads a file bigger than one 8 MiB chunk, byte for byte', async () => {
    const padding = 'lorem ipsum dolor sit amet '.repeat(40);
    const lines = Array.from({ length: 9000 }, (_, i) =>
      JSON.stringify({ key: `big-${i}`, request: { content: { parts: [{ text: `${i} ${padding}` }] }, outputDimensionality: 4 } }),
    );
    const path = await writeJsonl('big.jsonl', lines);
    const bytes = await readFile(path);
    expect(bytes.length).toBeGreaterThan(EIGHT_MIB);

    const uploadedBefore = emulator.stats.uploadedBytes;
    const chunksBefore = emulator.stats.callCount('uploadChunk');
    const file = await ai.files.upload({ file: path, config: { mimeType: 'application/jsonl', displayName: 'big input' } });
    expect(file).toMatchObject({ mimeType: 'application/jsonl', displayName: 'big input', state: 'ACTIVE', source: 'UPLOADED' });
    expect(file.sizeBytes).toBe(String(bytes.length));
    const sha256Hex = createHash('sha256').update(bytes).digest('hex');
    expect(Buffer.from(file.sha256Hash as string, 'base64').toString()).toBe(sha256Hex);
    expect(emulator.stats.uploadedBytes - uploadedBefore).toBe(bytes.length);
    expect(emulator.stats.callCount('uploadChunk') - chunksBefore).toBe(2);

    // The uploaded file is a usable batch input.
    const created = await ai.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName: file.name as string } });
    const job = await waitForTerminal(ai, created.name as string, 30_000);
    expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
    const downloadPath = join(dir, 'big-results.jsonl');
    await ai.files.download({ file: job.dest?.fileName as string, downloadPath });
    const resultLines = (await readFile(downloadPath, 'utf8')).trimEnd().split('\n');
    expect(resultLines).toHaveLength(lines.length);
  });

  it('downloads generated files (also under /download/), but not uploaded ones', async () => {
    const inputPath = await writeJsonl('small.jsonl', [
      JSON.stringify({ key: 'one', request: { content: { parts: [{ text: 'first' }] }, outputDimensionality: 8 } }),
      JSON.stringify({ key: 'two', request: { content: { parts: [{ text: 'second' }] }, outputDimensionality: 8 } }),
    ]);
    const input = await ai.files.upload({ file: inputPath, config: { mimeType: 'application/jsonl' } });
    const job = await waitForTerminal(
      ai,
      (await ai.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName: input.name as string } })).name as string,
    );
    const resultName = job.dest?.fileName as string;
    const downloadPath = join(dir, 'small-results.jsonl');
    await ai.files.download({ file: resultName, downloadPath });
    const viaSdk = await readFile(downloadPath, 'utf8');
    expect(viaSdk.trimEnd().split('\n')).toHaveLength(2);

    const viaDownloadPrefix = await rawGet(emulator, `/download/v1beta/${resultName}:download?alt=media`);
    expect(viaDownloadPrefix.status).toBe(200);
    expect(await viaDownloadPrefix.text()).toBe(viaSdk);

    const error = await ai.files.download({ file: input.name as string, downloadPath: join(dir, 'nope') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    expect(googleError(error).status).toBe('FAILED_PRECONDITION');
  });

  it('gets, lists (paged) and deletes files', async () => {
    const names: string[] = [];
    for (const n of [1, 2, 3]) {
      const path = await writeJsonl(`list-${n}.jsonl`, [`{"n":${n}}`]);
      names.push((await ai.files.upload({ file: path, config: { mimeType: 'application/jsonl', displayName: `list-${n}` } })).name as string);
    }
    const got = await ai.files.get({ name: names[0] as string });
    expect(got).toMatchObject({ name: names[0], displayName: 'list-1', sizeBytes: String('{"n":1}\n'.length) });

    const pager = await ai.files.list({ config: { pageSize: 2 } });
    expect(pager.page).toHaveLength(2);
    expect(pager.page[0]?.name).toBe(names[2]);
    const listed: string[] = [];
    for await (const file of pager) listed.push(file.name as string);
    expect(listed).toEqual(expect.arrayContaining(names));

    await ai.files.delete({ name: names[1] as string });
    await expect(ai.files.get({ name: names[1] as string })).rejects.toMatchObject({ status: 404 });
  });

  it('accepts a caller-chosen file name once', async () => {
    const path = await writeJsonl('named.jsonl', ['{}']);
    const file = await ai.files.upload({ file: path, config: { mimeType: 'application/jsonl', name: 'my-input-1' } });
    expect(file.name).toBe('files/my-input-1');
    await expect(ai.files.upload({ file: path, config: { mimeType: 'application/jsonl', name: 'my-input-1' } })).rejects.toMatchObject({
      status: 409,
    });
  });
});
