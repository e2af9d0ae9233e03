import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobState } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEmbed, startEmulator } from '../src/emulator/index.js';
import { EMBEDDING_MODEL, clientFor, makeTempDir, removeDir, waitForState, waitForTerminal } from './helpers/emulator-client.js';

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir();
});

afterAll(async () => {
  await removeDir(dir);
});

describe('restart with a state directory', () => {
  it('keeps files and finishes jobs that were running when the emulator stopped', async () => {
    const stateDir = join(dir, 'state');
    const inputPath = join(dir, 'input.jsonl');
    const texts = ['survives a restart', 'so does this one'];
    await writeFile(
      inputPath,
      texts.map((text, i) => JSON.stringify({ key: `r${i}`, request: { content: { parts: [{ text }] }, outputDimensionality: 16 } })).join('\n'),
    );

    const before = await startEmulator({ stateDir, latencyMs: 5, faults: { hold: true } });
    const aiBefore = clientFor(before);
    const input = await aiBefore.files.upload({ file: inputPath, config: { mimeType: 'application/jsonl', displayName: 'kept' } });
    const fileJob = await aiBefore.batches.createEmbeddings({ model: EMBEDDING_MODEL, src: { fileName: input.name as string } });
    const inlineJob = await aiBefore.batches.createEmbeddings({
      model: EMBEDDING_MODEL,
      src: { inlinedRequests: { contents: texts, config: { outputDimensionality: 16 } } },
    });
    await waitForState(aiBefore, fileJob.name as string, JobState.JOB_STATE_RUNNING);
    await before.close();

    const after = await startEmulator({ stateDir, latencyMs: 5 });
    try {
      const aiAfter = clientFor(after);
      const kept = await aiAfter.files.get({ name: input.name as string });
      expect(kept).toMatchObject({ displayName: 'kept', sizeBytes: input.sizeBytes, sha256Hash: input.sha256Hash });

      const finishedFileJob = await waitForTerminal(aiAfter, fileJob.name as string);
      expect(finishedFileJob.state).toBe(JobState.JOB_STATE_SUCCEEDED);
      const outputPath = join(dir, 'output.jsonl');
      await aiAfter.files.download({ file: finishedFileJob.dest?.fileName as string, downloadPath: outputPath });
      const lines = (await readFile(outputPath, 'utf8')).trimEnd().split('\n');
      expect(new Set(lines.map((line) => (JSON.parse(line) as { key: string }).key))).toEqual(new Set(['r0', 'r1']));

      const finishedInlineJob = await waitForTerminal(aiAfter, inlineJob.name as string);
      const vectors = (finishedInlineJob.dest?.inlinedEmbedContentResponses ?? []).map((item) => item.response?.embedding?.values ?? []);
      expect(vectors.map((values) => values.map(Math.fround))).toEqual(texts.map((text) => Array.from(hashEmbed(text, 16))));
    } finally {
      await after.close();
    }

    // A third start still finds the finished jobs and the generated result file.
    const again = await startEmulator({ stateDir, latencyMs: 5 });
    try {
      const aiAgain = clientFor(again);
      const job = await aiAgain.batches.get({ name: fileJob.name as string });
      expect(job.state).toBe(JobState.JOB_STATE_SUCCEEDED);
      expect((await aiAgain.files.get({ name: job.dest?.fileName as string })).source).toBe('GENERATED');
      const inline = await aiAgain.batches.get({ name: inlineJob.name as string });
      expect(inline.dest?.inlinedEmbedContentResponses).toHaveLength(2);
    } finally {
      await again.close();
    }
  });
});
