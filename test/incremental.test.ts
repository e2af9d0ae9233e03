import { rename, rm, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/emulator/index.js';
import { build as buildIndex, type BuildEvent, type BuildSummary } from '../src/pipeline/build.js';
import { acquireIndexLock, stateDirOf } from '../src/store/index.js';
import type { StatusReport } from '../src/pipeline/status.js';
import { parseJson, runCli } from './helpers/cli.js';
import { until } from './helpers/child.js';
import { fixtureCorpus, tempDir, writeTree } from './helpers/fixtures.js';
import { expectNoDuplicates, expectSameIndex, expectVectorsMatchTexts, readIndexMeta, readRows } from './helpers/index-rows.js';

const DIMS = '128';

/** A long Markdown document (~50 chunks at 64 tokens) whose paragraphs are easy to find and edit. */
function longDocument(): string {
  const sections: string[] = ['# Operations handbook', ''];
  for (let s = 1; s <= 10; s++) {
    sections.push(`## Procedure ${s}`, '');
    for (let p = 1; p <= 5; p++) {
      sections.push(
        `Paragraph ${s}.${p}: the operator of procedure ${s} records reading ${p} from gauge ${s * 10 + p}, ` +
          `compares it with the limit in table ${s}, and escalates when the difference exceeds ${p * 3} percent.`,
        '',
      );
    }
  }
  return sections.join('\n');
}

describe('incremental builds', () => {
  let emulator: EmulatorHandle;
  let corpus: { path: string; remove: () => Promise<void> };
  let out: { path: string; remove: () => Promise<void> };
  let index: string;
  const build = async (...extra: string[]) => {
    const result = await runCli(['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--chunk-tokens', '64', '--dims', DIMS, '--input', 'file', '--json', ...extra]);
    expect(result.code, result.stderr).toBe(0);
    return parseJson<BuildSummary>(result);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 5, seed: 3 });
  });
  afterAll(() => emulator.close());
  beforeEach(async () => {
    emulator.faults.reset();
    emulator.stats.reset();
    corpus = await tempDir();
    out = await tempDir();
    index = join(out.path, 'index');
    await writeTree(corpus.path, { ...fixtureCorpus(), 'handbook.md': longDocument() });
    return async () => {
      await corpus.remove();
      await out.remove();
    };
  });

  it('a no-op rebuild submits 0 requests and uploads 0 bytes', async () => {
    const filesBefore = emulator.stats.callCount('deleteFile');
    const first = await build();
    // The job's uploaded input and its result file are deleted once loaded.
    expect(emulator.stats.callCount('deleteFile') - filesBefore).toBe(2 * first.jobs);
    expect(first.chunks.toEmbed).toBeGreaterThan(40);
    const calls = emulator.stats.callCounts();
    const bytes = emulator.stats.uploadedBytes;
    // Recorded complete, so the rebuild need not count rows per document; and it writes nothing.
    const meta = await readIndexMeta(index);
    expect(meta?.complete).toEqual({ chunks: expect.any(Number), documents: expect.any(Number) });
    const again = await build();
    expect(await readIndexMeta(index)).toEqual(meta);
    expect(again.requests).toBe(0);
    expect(again.jobs).toBe(0);
    // The binary fixture is seen and skipped again; every text file is unchanged by its stat alone.
    expect(again.files.unchanged).toBe(first.files.seen - first.files.skipped);
    expect(emulator.stats.uploadedBytes).toBe(bytes);
    expect(emulator.stats.callCount('asyncBatchEmbedContent')).toBe(calls.asyncBatchEmbedContent);
    expect(emulator.stats.callCount('uploadStart')).toBe(calls.uploadStart);
  });

  it('a build that waited for the lock indexes the folder as it is when it gets the lock', async () => {
    const lock = await acquireIndexLock(stateDirOf(index), 'another build', { wait: false });
    const events: BuildEvent[] = [];
    const building = buildIndex({ root: corpus.path, index, dims: Number(DIMS), waitForLock: true, backend: { endpoint: emulator.url }, onEvent: (event) => events.push(event) });
    await until(() => events.some((event) => event.type === 'lock-wait'), 'the build to wait for the lock');
    await writeFile(join(corpus.path, 'late.md'), '# Late arrival\n\nWritten while the build waited for the lock.\n');
    await lock.release();
    await building;
    expect((await readRows(index)).filter((row) => row.path === 'late.md')).toHaveLength(1);
  });

  it('editing one paragraph re-embeds only the chunks that changed', async () => {
    const first = await build();
    const before = new Set((await readRows(index)).filter((row) => row.path === 'handbook.md').map((row) => row.key));
    expect(before.size).toBeGreaterThanOrEqual(45);
    const path = join(corpus.path, 'handbook.md');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('Paragraph 6.3: the operator', 'Paragraph 6.3: after a power cut, the operator'));
    const second = await build();
    const after = (await readRows(index)).filter((row) => row.path === 'handbook.md');
    const fresh = after.filter((row) => !before.has(row.key));
    expect(second.files.changed).toBe(1);
    expect(second.chunks.toEmbed).toBe(fresh.length);
    expect(fresh.length).toBeGreaterThanOrEqual(1);
    expect(fresh.length).toBeLessThanOrEqual(3);
    expect(second.chunks.reused).toBe(after.length - fresh.length);
    expect(after.some((row) => row.text.includes('after a power cut'))).toBe(true);
    expectVectorsMatchTexts(after, Number(DIMS));
    expect(first.chunks.stored - before.size + after.length).toBe(second.chunks.stored);
  });

  it('a paragraph edited and then restored costs nothing the second time', async () => {
    await build();
    const path = join(corpus.path, 'handbook.md');
    const original = await readFile(path, 'utf8');
    await writeFile(path, original.replace('Paragraph 4.2: the operator', 'Paragraph 4.2: during an audit, the operator'));
    expect((await build()).chunks.toEmbed).toBeGreaterThan(0);
    await writeFile(path, original);
    const restored = await build();
    expect(restored.chunks.toEmbed).toBe(0);
    expect(restored.jobs).toBe(0);
    expectVectorsMatchTexts(await readRows(index), Number(DIMS));
    expect(emulator.stats.textsEmbeddedMoreThanOnce('batch')).toBe(0);
    const optimized = parseJson<{ vectorsPruned: number }>(await runCli(['optimize', '--index', index, '--json']));
    expect(optimized.vectorsPruned).toBeGreaterThan(0);
  });

  it("removes a deleted file's chunks, and a renamed file costs no new embeddings", async () => {
    await build();
    const rows = await readRows(index);
    const retries = rows.filter((row) => row.path === 'guide/retries.md');
    expect(retries.length).toBeGreaterThan(0);
    await rm(join(corpus.path, 'notes/plain.txt'));
    await rename(join(corpus.path, 'guide/retries.md'), join(corpus.path, 'guide/retrying.md'));
    const second = await build();
    expect(second.files.deleted).toBe(2);
    expect(second.chunks.toEmbed).toBe(0);
    expect(second.jobs).toBe(0);
    const now = await readRows(index);
    expect(now.filter((row) => row.path === 'notes/plain.txt')).toEqual([]);
    expect(now.filter((row) => row.path === 'guide/retries.md')).toEqual([]);
    expect(now.filter((row) => row.path === 'guide/retrying.md').map((row) => row.key)).toEqual(retries.map((row) => row.key));
    expectNoDuplicates(now);
  });

  it('changing the dimensions re-embeds everything on purpose', async () => {
    const first = await build();
    const result = await runCli(['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--chunk-tokens', '64', '--dims', '256', '--json']);
    const second = parseJson<BuildSummary>(result);
    expect(second.chunks.toEmbed).toBe(first.chunks.toEmbed);
    expect(second.chunks.failed).toBe(0);
    expectVectorsMatchTexts(await readRows(index), 256);
  });

  it('completes with every chunk present despite 5 % request errors and a FAILED and an EXPIRED job', async () => {
    emulator.faults.set({ requestErrorRate: 0.05 });
    emulator.faults.failNextJobs(1, 'FAILED');
    emulator.faults.failNextJobs(1, 'EXPIRED');
    const summary = await build('--max-requests-per-job', '10');
    expect(summary.chunks.failed).toBe(0);
    const rows = await readRows(index);
    expect(rows.length).toBe(summary.chunks.planned);
    expectNoDuplicates(rows);
    expectVectorsMatchTexts(rows, Number(DIMS));
  });

  it('--dry-run estimates files, chunks, tokens and cost, and submits nothing', async () => {
    const calls = emulator.stats.callCounts();
    const dry = await build('--dry-run');
    expect(dry.dryRun).toBe(true);
    expect(dry.chunks.toEmbed).toBeGreaterThan(40);
    expect(dry.estimatedTokens).toBeGreaterThan(0);
    expect(dry.cost?.batchUsd).toBeCloseTo((dry.estimatedTokens / 1e6) * 0.075, 10);
    expect(dry.cost?.interactiveUsd).toBeCloseTo((dry.estimatedTokens / 1e6) * 0.15, 10);
    expect(emulator.stats.callCounts()).toEqual(calls);
    expect(await readRows(index)).toEqual([]);
    const real = await build();
    expect(real.chunks.toEmbed).toBe(dry.chunks.toEmbed);
    expect(real.estimatedTokens).toBe(dry.estimatedTokens);
  });

  it('--no-wait submits and exits; status shows the jobs; collect loads them', async () => {
    emulator.faults.hold();
    const submitted = await build('--no-wait', '--max-requests-per-job', '20');
    expect(submitted.pendingJobs).toBeGreaterThan(1);
    expect(submitted.chunks.stored).toBe(0);
    const status = parseJson<StatusReport>(await runCli(['status', '--index', index, '--endpoint', emulator.url, '--json']));
    expect(status.jobs.length).toBe(submitted.pendingJobs);
    expect(status.jobs.every((job) => job.state === 'RUNNING' && job.stats?.requestCount)).toBe(true);
    expect(status.pendingChunks).toBe(submitted.chunks.planned);
    emulator.faults.release();
    const collected = await runCli(['collect', '--index', index, '--endpoint', emulator.url, '--json']);
    expect(collected.code, collected.stderr).toBe(0);
    const rows = await readRows(index);
    expect(rows.length).toBe(submitted.chunks.planned);
    expectVectorsMatchTexts(rows, Number(DIMS));
    const after = parseJson<StatusReport>(await runCli(['status', '--index', index, '--endpoint', emulator.url, '--json']));
    expect(after.jobs).toEqual([]);
    expect(after.pendingChunks).toBe(0);
    // A plain build collects first, then finds nothing missing.
    expect((await build()).requests).toBe(0);
  });

  it('builds the same index whether or not it was interrupted by --no-wait', async () => {
    await build();
    const clean = await readRows(index);
    await rm(index, { recursive: true });
    emulator.faults.hold();
    await build('--no-wait');
    emulator.faults.release();
    await build();
    expectSameIndex(await readRows(index), clean);
  });

  it('rides out 429 and 503 answers with backoff, including a failed upload chunk', async () => {
    emulator.faults.failNextCalls('asyncBatchEmbedContent', 2, 429);
    emulator.faults.failNextCalls('getBatch', 3, 503);
    emulator.faults.failNextCalls('download', 1, 503);
    emulator.faults.failNextUploadChunks(1);
    const summary = await build();
    expect(summary.chunks.failed).toBe(0);
    expect(summary.jobs).toBe(1);
    expectVectorsMatchTexts(await readRows(index), Number(DIMS));
  });

  it('lists and cancels jobs; a cancelled job is not resubmitted unless asked', async () => {
    emulator.faults.hold();
    const submitted = await build('--no-wait');
    const listed = parseJson<{ name: string; state: string; ledgerId?: string }[]>(
      await runCli(['jobs', 'list', '--index', index, '--endpoint', emulator.url, '--json']),
    );
    const ours = listed.filter((job) => job.ledgerId);
    expect(ours.length).toBe(submitted.pendingJobs);
    for (const job of ours) {
      const cancelled = await runCli(['jobs', 'cancel', job.name, '--index', index, '--endpoint', emulator.url]);
      expect(cancelled.code, cancelled.stderr).toBe(0);
    }
    emulator.faults.release();
    const collected = await runCli(['collect', '--index', index, '--endpoint', emulator.url, '--json']);
    expect(collected.code).toBe(3);
    const status = parseJson<StatusReport>(await runCli(['status', '--index', index, '--endpoint', emulator.url, '--json']));
    expect(status.cancelledKeys).toBe(submitted.chunks.toEmbed);
    const again = await build();
    expect(again.requests).toBe(0);
    expect(again.chunks.cancelled).toBe(submitted.chunks.planned);
    const resumed = await build('--resubmit-cancelled');
    expect(resumed.chunks.toEmbed).toBe(submitted.chunks.toEmbed);
    expect((await readRows(index)).length).toBe(submitted.chunks.planned);
    const deleted = await runCli(['jobs', 'delete', ours[0].name, '--index', index, '--endpoint', emulator.url]);
    expect(deleted.code, deleted.stderr).toBe(0);
  });

  it('collect --no-wait looks once: loads the jobs that finished and leaves the rest', async () => {
    emulator.faults.hold();
    const submitted = await build('--no-wait');
    const early = parseJson<{ pendingJobs: number; loadedJobs: number }>(await runCli(['collect', '--no-wait', '--index', index, '--endpoint', emulator.url, '--json']));
    expect(early).toMatchObject({ loadedJobs: 0, pendingJobs: submitted.pendingJobs });
    emulator.faults.release();
    await until(async () => {
      const status = parseJson<StatusReport>(await runCli(['status', '--index', index, '--endpoint', emulator.url, '--json']));
      return status.jobs.every((job) => job.state === 'SUCCEEDED');
    }, 'the jobs to finish');
    const later = parseJson<{ pendingJobs: number; loadedJobs: number }>(await runCli(['collect', '--no-wait', '--index', index, '--endpoint', emulator.url, '--json']));
    expect(later).toMatchObject({ loadedJobs: submitted.pendingJobs, pendingJobs: 0 });
    expect((await readRows(index)).length).toBe(submitted.chunks.planned);
  });

  it('treats a tracked job deleted by hand as cancelled instead of failing', async () => {
    emulator.faults.hold();
    const submitted = await build('--no-wait');
    const [job] = parseJson<StatusReport>(await runCli(['status', '--index', index, '--endpoint', emulator.url, '--json'])).jobs;
    expect((await runCli(['jobs', 'delete', job.name!, '--index', index, '--endpoint', emulator.url])).code).toBe(0);
    emulator.faults.release();
    const collected = await runCli(['collect', '--index', index, '--endpoint', emulator.url, '--json']);
    expect(collected.code, collected.stderr).toBe(3);
    const status = parseJson<StatusReport>(await runCli(['status', '--index', index, '--endpoint', emulator.url, '--json']));
    expect(status.jobs).toEqual([]);
    expect(status.cancelledKeys).toBe(submitted.chunks.toEmbed);
  });

  it('resubmits a large FAILED job as two halves', async () => {
    const { build: buildIndex } = await import('../src/pipeline/build.js');
    emulator.faults.failNextJobs(1, 'FAILED');
    const before = emulator.stats.callCount('asyncBatchEmbedContent');
    const summary = await buildIndex({
      root: corpus.path,
      index,
      dims: Number(DIMS),
      chunker: { targetTokens: 64 },
      limits: { input: 'file' },
      splitAbove: 10,
      backend: { endpoint: emulator.url, env: { GBI_POLL_INITIAL_MS: '20', GBI_RETRY_INITIAL_MS: '10' } },
    });
    expect(summary.chunks.toEmbed).toBeGreaterThan(10);
    // One job that failed, then its two halves.
    expect(emulator.stats.callCount('asyncBatchEmbedContent') - before).toBe(3);
    expect(summary.chunks.failed).toBe(0);
    expectVectorsMatchTexts(await readRows(index), Number(DIMS));
  });
});
