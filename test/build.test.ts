import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/emulator/index.js';
import type { BuildSummary } from '../src/pipeline/build.js';
import { offlineEnv, parseJson, runCli } from './helpers/cli.js';
import { fixtureCorpus, tempDir, writeTree } from './helpers/fixtures.js';
import { expectNoDuplicates, expectVectorsMatchTexts, readIndexMeta, readRows } from './helpers/index-rows.js';

describe('gbi build, end to end on a fixture corpus', () => {
  let corpus: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    corpus = await tempDir();
    await writeTree(corpus.path, fixtureCorpus());
  });
  afterAll(() => corpus.remove());

  for (const input of ['inline', 'file'] as const) {
    it(`stores every chunk with the vector of its own text (--input ${input})`, async () => {
      const out = await tempDir();
      const index = `${out.path}/index`;
      const result = await runCli(['build', corpus.path, '--index', index, '--input', input, '--dims', '256', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const summary = parseJson<BuildSummary>(result);
      expect(summary.backend).toContain('emulator');
      expect(summary.files.seen).toBe(8);
      expect(summary.skipped).toEqual([expect.objectContaining({ path: 'images/logo.png', reason: expect.stringMatching(/binary/) })]);
      expect(summary.chunks.failed).toBe(0);
      const rows = await readRows(index);
      expect(rows.length).toBe(summary.chunks.planned);
      expect(summary.chunks.stored).toBe(rows.length);
      expectNoDuplicates(rows);
      expectVectorsMatchTexts(rows, 256);
      const paths = new Set(rows.map((row) => row.path));
      expect([...paths].sort()).toEqual([
        'encodings/latin1.txt',
        'encodings/shift-jis.txt',
        'encodings/utf16.md',
        'guide/install.md',
        'guide/retries.md',
        'notes/plain.txt',
        'src/example.ts',
      ]);
      const textOf = (path: string) => rows.filter((row) => row.path === path).map((row) => row.text).join('\n');
      expect(textOf('encodings/shift-jis.txt')).toContain('東京の天気は晴れです');
      expect(textOf('encodings/latin1.txt')).toContain('élèves français');
      expect(textOf('encodings/utf16.md')).toContain('quokka lives on Rottnest');
      await out.remove();
    });
  }

  it('splits work into several jobs under a small request limit', async () => {
    const out = await tempDir();
    const index = `${out.path}/index`;
    const result = await runCli(['build', corpus.path, '--index', index, '--input', 'file', '--max-requests-per-job', '4', '--chunk-tokens', '64', '--dims', '128', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = parseJson<BuildSummary>(result);
    expect(summary.jobs).toBe(Math.ceil(summary.chunks.toEmbed / 4));
    expect(summary.jobs).toBeGreaterThan(2);
    const rows = await readRows(index);
    expect(rows.length).toBe(summary.chunks.planned);
    expectVectorsMatchTexts(rows, 128);
    await out.remove();
  });

  it('keeps Markdown headings on chunks and never splits a code fence', async () => {
    const out = await tempDir();
    const index = `${out.path}/index`;
    expect((await runCli(['build', corpus.path, '--index', index, '--chunk-tokens', '64', '--dims', '128', '--json'])).code).toBe(0);
    const rows = (await readRows(index)).filter((row) => row.path === 'guide/install.md');
    const fence = rows.filter((row) => row.text.includes('```'));
    expect(fence.length).toBeGreaterThan(0);
    for (const row of fence) expect(row.text.split('```').length - 1, 'a chunk holds both ends of the fence').toBe(2);
    expect(fence[0].heading).toBe('Installing > From source');
    expect(rows.some((row) => row.heading === 'Installing > From npm')).toBe(true);
    await out.remove();
  });

  describe('with per-request errors from the emulator', () => {
    let emulator: EmulatorHandle;
    beforeAll(async () => {
      emulator = await startEmulator({ latencyMs: 5, seed: 7 });
    });
    afterAll(() => emulator.close());

    it('retries failed requests until every chunk is stored', async () => {
      emulator.faults.reset();
      emulator.faults.set({ requestErrorRate: 0.3 });
      const out = await tempDir();
      const index = `${out.path}/index`;
      const result = await runCli(['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--input', 'file', '--dims', '128', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const summary = parseJson<BuildSummary>(result);
      expect(summary.chunks.failed).toBe(0);
      expect(summary.requests).toBeGreaterThan(summary.chunks.toEmbed);
      const rows = await readRows(index);
      expect(rows.length).toBe(summary.chunks.planned);
      expectVectorsMatchTexts(rows, 128);
      await out.remove();
    });

    it('reports requests that fail every attempt, stores no vector for them, and exits 3', async () => {
      emulator.faults.reset();
      emulator.faults.set({ requestErrorRate: 1 });
      const out = await tempDir();
      const index = `${out.path}/index`;
      const result = await runCli(['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--dims', '128', '--json']);
      expect(result.code, result.stderr).toBe(3);
      const summary = parseJson<BuildSummary>(result);
      expect(summary.chunks.failed).toBe(summary.chunks.planned);
      expect(await readRows(index)).toEqual([]);
      expect((await readIndexMeta(index))?.complete, 'an index with missing rows is not recorded complete').toBeUndefined();
      emulator.faults.reset();
      // The next build picks the failed files up again.
      const again = parseJson<BuildSummary>(await runCli(['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--dims', '128', '--json']));
      expect(again.files.changed).toBe(7);
      expect(again.chunks.failed).toBe(0);
      expectVectorsMatchTexts(await readRows(index), 128);
      await out.remove();
    });
  });

  it('answers --help and rejects bad flags with exit 2', async () => {
    const help = await runCli(['build', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--input <mode>');
    const bad = await runCli(['build', '--dims', 'lots'], { env: offlineEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dims takes a whole number');
  });
});
