import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CHUNKER_SETTINGS } from '../src/chunk/index.js';
import { readDocument, walkFiles, type FileEntry } from '../src/crawl/index.js';
import { embedRequest, planDocument, type DocumentPlanSettings, type PreparedFile } from '../src/pipeline/document-plan.js';
import { prepareDocuments } from '../src/pipeline/prepare.js';
import { requestLineJson } from '../src/batch/index.js';

const SETTINGS: DocumentPlanSettings = { fingerprint: 'f'.repeat(16), model: 'test-model', dims: 64, chunker: DEFAULT_CHUNKER_SETTINGS };

let root: string;
let entries: FileEntry[];

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

/** Request lines as text: vitest compares typed arrays element by element, which is slow. */
const comparable = (files: PreparedFile[]) =>
  files.map((file) =>
    file.kind === 'skipped'
      ? file
      : { ...file.document, chunks: file.document.chunks.map((chunk) => ({ ...chunk, requestLine: Buffer.from(chunk.requestLine!).toString() })) },
  );

const pathOf = (file: PreparedFile) => (file.kind === 'document' ? file.document.path : file.skipped.path);

beforeAll(async () => {
  root = await fsp.mkdtemp(join(tmpdir(), 'gbi-prepare-'));
  // Enough files for many batches (about 256 KiB or 64 files each), of several kinds.
  for (let i = 0; i < 150; i++) {
    const sections = Array.from({ length: 1 + (i % 7) }, (_, s) => `## Part ${s}\n\n${`Paragraph ${i}.${s} about topic ${i % 13}. `.repeat(20 + s * 15)}\n`);
    await fsp.writeFile(join(root, `doc-${String(i).padStart(3, '0')}.md`), `# Document ${i}\n\n${sections.join('\n')}`);
  }
  await fsp.writeFile(join(root, 'big.txt'), 'line of a large plain text file\n'.repeat(20_000));
  await fsp.writeFile(join(root, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
  await fsp.writeFile(join(root, 'empty.md'), '');
  // Characters JSON escapes, in a title and in the text.
  await fsp.writeFile(join(root, 'escapes.md'), '# "Quoted" \\ title\t☕\n\nText with "quotes", back\\slashes, \u0001 and \u001f, a tab\t, \u2028, 😀 and 日本語.\n');
  entries = [];
  for await (const item of walkFiles(root)) if (item.kind === 'file') entries.push(item.entry);
});

afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

describe('prepareDocuments', () => {
  it('plans the same on worker threads as on the calling thread, in the entries order', async () => {
    const here = await collect(prepareDocuments(entries, SETTINGS, { threads: 0 }));
    expect(here.map(pathOf)).toEqual(entries.map((entry) => entry.path));
    expect(here.filter((file) => file.kind === 'skipped').map(pathOf).sort()).toEqual(['empty.md', 'image.png']);
    const documents = here.flatMap((file) => (file.kind === 'document' ? [file.document] : []));
    expect(documents.reduce((sum, doc) => sum + doc.chunks.length, 0)).toBeGreaterThan(200);
    expect(comparable(await collect(prepareDocuments(entries, SETTINGS, { threads: 2 })))).toEqual(comparable(here));
    expect(comparable(await collect(prepareDocuments(entries, SETTINGS, { threads: 3 })))).toEqual(comparable(here));
  });

  it('gives what planDocument gives, each chunk with its request line as planJobs would write it', async () => {
    const files = await collect(prepareDocuments(entries, SETTINGS, { threads: 2 }));
    for (const [i, file] of files.entries()) {
      const read = await readDocument(entries[i]!);
      if (read.kind === 'skipped' || file.kind === 'skipped') {
        expect(file).toEqual(read);
        continue;
      }
      const lines = file.document.chunks.map(({ requestLine, ...chunk }) => {
        expect(Buffer.from(requestLine!).toString()).toBe(requestLineJson(embedRequest(chunk, SETTINGS.dims)));
        return chunk;
      });
      expect({ ...file.document, chunks: lines }).toEqual(planDocument(read.document, SETTINGS));
    }
  });

  it('lets the caller stop early and serves the next call, which reports a vanished file', async () => {
    for await (const file of prepareDocuments(entries, SETTINGS, { threads: 2 })) {
      expect(pathOf(file)).toBe(entries[0]!.path);
      break;
    }
    const gone = { ...entries[0]!, path: 'gone.md', absPath: join(root, 'gone.md') };
    const files = await collect(prepareDocuments([gone, entries[0]!], SETTINGS, { threads: 2 }));
    expect(files[0]).toEqual({ kind: 'skipped', skipped: { path: 'gone.md', reason: 'unreadable: ENOENT' } });
    expect(files.map(pathOf)).toEqual(['gone.md', entries[0]!.path]);
  });

  it('passes on a failure to plan, from a worker thread as from the calling thread', async () => {
    const broken = { ...SETTINGS, chunker: { ...DEFAULT_CHUNKER_SETTINGS, maxTokens: 0 } };
    await expect(collect(prepareDocuments(entries, broken, { threads: 0 }))).rejects.toThrow(/invalid chunker settings/);
    await expect(collect(prepareDocuments(entries, broken, { threads: 2 }))).rejects.toThrow(/on a worker thread: RangeError: invalid chunker settings/);
    // The threads are still there for the next call.
    expect((await collect(prepareDocuments(entries.slice(0, 3), SETTINGS, { threads: 2 }))).map(pathOf)).toEqual(entries.slice(0, 3).map((entry) => entry.path));
  });

  it('stops idle threads, and starts new ones for the next call', async () => {
    const first = await collect(prepareDocuments(entries.slice(0, 3), SETTINGS, { threads: 2 }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await collect(prepareDocuments(entries.slice(0, 3), SETTINGS, { threads: 2 }));
      vi.advanceTimersByTime(1000); // the idle timer set when that call ended stops the threads
    } finally {
      vi.useRealTimers();
    }
    expect(comparable(await collect(prepareDocuments(entries.slice(0, 3), SETTINGS, { threads: 2 })))).toEqual(comparable(first));
  });
});
