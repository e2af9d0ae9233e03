import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/emulator/index.js';
import type { BuildSummary } from '../src/pipeline/build.js';
import { parseSummary } from '../src/summary/index.js';
import { parseJson, runCli } from './helpers/cli.js';
import { fixtureCorpus, tempDir, writeTree } from './helpers/fixtures.js';
import { expectVectorsMatchTexts, readRows, readTable } from './helpers/index-rows.js';

interface DocumentRecord {
  path: string;
  hash: string;
  summary: string;
  keywords: string;
  summary_error: string;
}

const TEXT_FILES = 7;

describe('document summaries', () => {
  let emulator: EmulatorHandle;
  let corpus: { path: string; remove: () => Promise<void> };
  let out: { path: string; remove: () => Promise<void> };
  let index: string;
  const build = async (...extra: string[]) => {
    const result = await runCli(['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--dims', '128', '--summaries', '--json', ...extra]);
    return { code: result.code, summary: parseJson<BuildSummary>(result) };
  };
  const documents = async () =>
    (await readTable<DocumentRecord>(index, 'documents')).sort((a, b) => a.path.localeCompare(b.path));

  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 5, seed: 5 });
  });
  afterAll(() => emulator.close());
  beforeEach(async () => {
    emulator.faults.reset();
    corpus = await tempDir();
    out = await tempDir();
    index = join(out.path, 'index');
    await writeTree(corpus.path, fixtureCorpus());
    return async () => {
      await corpus.remove();
      await out.remove();
    };
  });

  for (const input of ['inline', 'file'] as const) {
    it(`gives every document a summary, keywords and a summary vector (--input ${input})`, async () => {
      const { code, summary } = await build('--input', input, ...(input === 'file' ? ['--max-requests-per-job', '3'] : []));
      expect(code).toBe(0);
      expect(summary.summaries).toMatchObject({ requested: TEXT_FILES, stored: TEXT_FILES, failed: 0 });
      const docs = await documents();
      expect(docs.length).toBe(TEXT_FILES);
      for (const doc of docs) {
        expect(doc.summary.length, doc.path).toBeGreaterThan(10);
        expect(doc.keywords.split(', ').length, doc.path).toBeGreaterThan(0);
        expect(doc.summary_error).toBe('');
      }
      const retries = docs.find((doc) => doc.path === 'guide/retries.md')!;
      expect(retries.summary.toLowerCase()).toMatch(/backoff|quota/);
      const summaryRows = (await readRows(index)).filter((row) => row.chunk === -1);
      expect(summaryRows.map((row) => row.path).sort()).toEqual(docs.map((doc) => doc.path));
      for (const row of summaryRows) expect(row.text).toBe(docs.find((doc) => doc.path === row.path)!.summary);
      expectVectorsMatchTexts(summaryRows, 128);
    });
  }

  it('re-summarizes only the document that changed', async () => {
    await build();
    const before = await documents();
    const calls = emulator.stats.callCount('batchGenerateContent');
    const noop = await build();
    expect(noop.summary.summaries?.requested).toBe(0);
    expect(emulator.stats.callCount('batchGenerateContent')).toBe(calls);
    const path = join(corpus.path, 'guide/install.md');
    await writeFile(path, (await readFile(path, 'utf8')).replace('# Installing', '# Installing\n\nInstalling on a submarine needs a waterproof laptop.'));
    const edited = await build();
    expect(edited.summary.summaries).toMatchObject({ requested: 1, stored: 1 });
    const after = await documents();
    for (const doc of after) {
      const old = before.find((b) => b.path === doc.path)!;
      if (doc.path === 'guide/install.md') expect(doc.hash).not.toBe(old.hash);
      else expect(doc.summary).toBe(old.summary);
    }
    const summaryRow = (await readRows(index)).find((row) => row.path === 'guide/install.md' && row.chunk === -1)!;
    expect(summaryRow.doc_hash).toBe(after.find((doc) => doc.path === 'guide/install.md')!.hash);
  });

  it('records invalid JSON and per-request errors on the document, stores no summary, and asks again next build', async () => {
    emulator.faults.breakNextJson(2);
    emulator.faults.set({ requestErrorRate: 1 });
    const failing = await build('--input', 'file');
    expect(failing.code).toBe(3);
    expect(failing.summary.summaries?.failed).toBe(TEXT_FILES);
    expect(failing.summary.chunks.failed).toBeGreaterThan(0);
    const docs = await documents();
    for (const doc of docs) {
      expect(doc.summary, doc.path).toBe('');
      expect(doc.summary_error, doc.path).toMatch(/INTERNAL|not valid JSON/);
    }
    emulator.faults.reset();
    const again = await build();
    expect(again.code).toBe(0);
    expect(again.summary.summaries).toMatchObject({ requested: TEXT_FILES, stored: TEXT_FILES, failed: 0 });
    expect((await documents()).every((doc) => doc.summary && !doc.summary_error)).toBe(true);
  });

  it('never stores output that is not JSON or does not fit the schema', async () => {
    emulator.faults.breakNextJson(1);
    const { code, summary } = await build('--input', 'inline');
    expect(code).toBe(3);
    expect(summary.summaries).toMatchObject({ requested: TEXT_FILES, stored: TEXT_FILES - 1, failed: 1 });
    const broken = (await documents()).filter((doc) => doc.summary_error);
    expect(broken.length).toBe(1);
    expect(broken[0].summary_error).toMatch(/not valid JSON/);
    expect(broken[0].summary).toBe('');
    expect(parseSummary('{"summary": 3, "keywords": []}')).toEqual({ ok: false, error: 'no summary string' });
    expect(parseSummary('{"summary": "x", "keywords": "a, b"}')).toEqual({ ok: false, error: 'keywords is not an array of strings' });
  });

  it('summaries collected by gbi collect are stored and embedded', async () => {
    emulator.faults.hold();
    const submitted = await build('--no-wait');
    expect(submitted.summary.summaries?.requested).toBe(TEXT_FILES);
    emulator.faults.release();
    const collected = await runCli(['collect', '--index', index, '--endpoint', emulator.url, '--json']);
    expect(collected.code, collected.stderr).toBe(0);
    expect((await documents()).every((doc) => doc.summary)).toBe(true);
    const summaryRows = (await readRows(index)).filter((row) => row.chunk === -1);
    expect(summaryRows.length).toBe(TEXT_FILES);
    expectVectorsMatchTexts(summaryRows, 128);
  });
});
