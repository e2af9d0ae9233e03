import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FileEntry, type ReadResult, type SourceDocument, type WalkItem, crawl, decodeText, readDocument, readDocumentSync, readDocuments, walkFiles } from '../src/crawl/index.js';
import { scanTree } from '../src/crawl/tree.js';
import { statItems } from '../src/crawl/walk.js';

// Pass-through spies, so a test can tell which files the crawl opened.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, open: vi.fn(actual.open), readFile: vi.fn(actual.readFile) };
});

const JAPANESE =
  '吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で' +
  'ニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。しかもあとで' +
  '聞くとそれは書生という人間中で一番獰悪な種族であったそうだ。\n';
const FRENCH = "Ça m'étonnerait beaucoup : la forêt près du château est très âgée, et l'été y est doux.\n";
const GERMAN = 'Grüße aus München – „Übermäßig schöne Straße“, sagte der Bär… für 5 €.\n';
const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

let base: string;
let root: string;

async function write(path: string, content: string | Uint8Array): Promise<void> {
  await fsp.mkdir(join(root, path, '..'), { recursive: true });
  await fsp.writeFile(join(root, path), content);
}

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

function pathOf(item: WalkItem | ReadResult): string {
  if (item.kind === 'skipped') return item.skipped.path;
  return item.kind === 'file' ? item.entry.path : item.document.path;
}

async function walkedPaths(options?: Parameters<typeof walkFiles>[1]): Promise<{ files: string[]; skipped: Record<string, string> }> {
  const items = await collect(walkFiles(root, options));
  return {
    files: items.flatMap((item) => (item.kind === 'file' ? [item.entry.path] : [])),
    skipped: Object.fromEntries(items.flatMap((item) => (item.kind === 'skipped' ? [[item.skipped.path, item.skipped.reason]] : []))),
  };
}

beforeAll(async () => {
  base = await fsp.mkdtemp(join(tmpdir(), 'gbi-crawl-'));
  root = join(base, 'root');
  await fsp.mkdir(join(base, 'outside'), { recursive: true });
  await fsp.writeFile(join(base, 'outside', 'secret.md'), 'outside the root\n');

  await write('readme.md', '# Title\n\nCafé ☕ naïve — 日本語\n');
  await write('bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('with a BOM\n')]));
  await write('utf16le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('UTF-16LE: Grüße\r\nzweite Zeile\r\n', 'utf16le')]));
  await write('utf16be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('UTF-16BE: ½ € ✓\n')]));
  await write('sjis.txt', iconv.encode(JAPANESE, 'shift_jis'));
  await write('latin1.txt', iconv.encode(FRENCH, 'latin1'));
  await write('cp1252.txt', iconv.encode(GERMAN, 'windows-1252'));
  await write('crlf.txt', 'one\r\ntwo\rthree\n');
  await write('image.png', Buffer.concat([PNG_HEADER, randomBytes(4096)]));
  await write('empty.txt', '');
  await write('notes.pyc', 'plain text behind a binary extension\n');
  await write('photo.txt', Buffer.concat([PNG_HEADER, randomBytes(512)]));

  await write('.gitignore', '*.log\n!keep.log\n/build/\n');
  await write('debug.log', 'ignored\n');
  await write('keep.log', 're-included by a negated pattern\n');
  await write('build/out.txt', 'ignored folder\n');
  await write('docs/.gitignore', '*.tmp\n/local.md\n');
  await write('docs/guide.md', '# Guide\n');
  await write('docs/draft.tmp', 'ignored by the nested .gitignore\n');
  await write('docs/local.md', 'ignored: the anchored pattern is relative to docs/\n');
  await write('docs/sub/local.md', 'kept: the anchored pattern does not reach docs/sub/\n');
  await write('.github/workflow.md', 'dot-folders are crawled\n');
  await write('.DS_Store', Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]));
  await write('.git/config', '[core]\n');
  await write('node_modules/pkg/index.js', 'module.exports = 1;\n');
  await write('index/catalog.json', '{}\n');

  await fsp.symlink('docs', join(root, 'linked-dir'));
  await fsp.symlink('readme.md', join(root, 'linked-file.md'));
  await fsp.symlink(join(base, 'outside', 'secret.md'), join(root, 'outside.md'));
  await fsp.symlink('../outside', join(root, 'outside-dir'));
  await fsp.symlink('.', join(root, 'loop'));
  await fsp.symlink('..', join(root, 'docs', 'sub', 'back'));
  await fsp.symlink('nowhere', join(root, 'broken'));
});

afterAll(async () => {
  await fsp.rm(base, { recursive: true, force: true });
});

describe('walkFiles', () => {
  it('lists files sorted, applying .gitignore, built-in ignores, ignoreDirs and the symlink policy', async () => {
    const items = await collect(walkFiles(root, { ignoreDirs: [join(root, 'index')] }));
    const paths = items.map(pathOf);
    expect(paths).toEqual([...paths].sort());

    const { files, skipped } = await walkedPaths({ ignoreDirs: [join(root, 'index')] });
    expect(files).toEqual([
      '.github/workflow.md',
      '.gitignore',
      'bom.txt',
      'cp1252.txt',
      'crlf.txt',
      'docs/.gitignore',
      'docs/guide.md',
      'docs/sub/local.md',
      'empty.txt',
      'image.png',
      'keep.log',
      'latin1.txt',
      'linked-dir/.gitignore',
      'linked-dir/guide.md',
      'linked-dir/sub/local.md',
      'linked-file.md',
      'notes.pyc',
      'photo.txt',
      'readme.md',
      'sjis.txt',
      'utf16be.txt',
      'utf16le.txt',
    ]);
    expect(skipped).toEqual({
      broken: 'broken symlink',
      'docs/sub/back': 'symlink loop',
      'linked-dir/sub/back': 'symlink loop',
      loop: 'symlink loop',
      'outside-dir': 'symlink leaves the root',
      'outside.md': 'symlink leaves the root',
    });
  });

  it('reports size and mtime from stat', async () => {
    const items = await collect(walkFiles(root, { include: ['readme.md', 'linked-file.md'] }));
    const stats = await fsp.stat(join(root, 'readme.md'));
    expect(items).toEqual(
      ['linked-file.md', 'readme.md'].map((path) => ({
        kind: 'file',
        entry: { path, absPath: join(root, path), size: stats.size, mtimeMs: stats.mtimeMs },
      })),
    );
  });

  it('brings back ignoreDirs and gitignored files when not asked to leave them out, never the built-in ignores', async () => {
    const { files } = await walkedPaths({ respectGitignore: false });
    expect(files).toEqual(expect.arrayContaining(['index/catalog.json', 'debug.log', 'build/out.txt', 'docs/draft.tmp', 'docs/local.md']));
    expect(files.filter((path) => /^(\.git|node_modules)\/|\.DS_Store$/.test(path))).toEqual([]);
  });

  it('applies include and exclude globs, to skips as well as files', async () => {
    const { files, skipped } = await walkedPaths({ include: ['docs/**', '*.{md,txt}'], exclude: ['**/sub/**', 'c*.txt'] });
    expect(files).toEqual([
      'bom.txt',
      'docs/.gitignore',
      'docs/guide.md',
      'empty.txt',
      'latin1.txt',
      'linked-file.md',
      'photo.txt',
      'readme.md',
      'sjis.txt',
      'utf16be.txt',
      'utf16le.txt',
    ]);
    expect(skipped).toEqual({ 'outside.md': 'symlink leaves the root' });
  });

  it('skips files over maxFileBytes with a reason', async () => {
    const { skipped } = await walkedPaths({ include: ['*.png'], maxFileBytes: 1024 });
    expect(skipped).toEqual({ 'image.png': 'larger than 1 KiB' });
  });

  it('never reads file contents (only .gitignore files)', async () => {
    vi.mocked(fsp.open).mockClear();
    vi.mocked(fsp.readFile).mockClear();
    const items = await collect(walkFiles(root));
    expect(fsp.open).not.toHaveBeenCalled();
    const read = vi.mocked(fsp.readFile).mock.calls.map(([path]) => String(path).slice(root.length + 1));
    expect(read.sort()).toEqual(['.gitignore', 'docs/.gitignore', 'linked-dir/.gitignore']);

    const readme = items.find((item) => item.kind === 'file' && item.entry.path === 'readme.md');
    if (readme?.kind !== 'file') throw new Error('readme.md was not walked');
    await readDocument(readme.entry);
    expect(fsp.open).toHaveBeenCalledTimes(1); // the spy does see reads
  });

  it('stats with blocking calls while they are quick, and the rest concurrently once they are slow: the same items either way', async () => {
    const many = await fsp.mkdtemp(join(tmpdir(), 'gbi-stat-'));
    try {
      // More than one slice of blocking stats, so that a rest is left for the concurrent calls.
      const names = Array.from({ length: 700 }, (_, i) => `f${String(i).padStart(3, '0')}.md`);
      await Promise.all(names.map((name, i) => fsp.writeFile(join(many, name), 'x'.repeat(i))));
      const tree = await scanTree(many, { ignoreDirs: [], respectGitignore: true });
      tree.set('g-skipped', { kind: 'skipped', reason: 'symlink loop' });
      await fsp.rm(join(many, 'f650.md')); // gone between the scan and its stat
      const paths = [...tree.keys()].sort();
      const expected = paths.map((path): WalkItem => {
        if (path === 'g-skipped') return { kind: 'skipped', skipped: { path, reason: 'symlink loop' } };
        if (path === 'f650.md') return { kind: 'skipped', skipped: { path, reason: 'unreadable: ENOENT' } };
        const size = Number(path.slice(1, 4));
        if (size > 600) return { kind: 'skipped', skipped: { path, reason: 'larger than 600 bytes' } };
        return { kind: 'file', entry: { path, absPath: join(many, path), size, mtimeMs: expect.any(Number) as number } };
      });
      expect(await collect(statItems(paths, tree, 600, Infinity))).toEqual(expected);
      expect(await collect(statItems(paths, tree, 600, 0))).toEqual(expected);
    } finally {
      await fsp.rm(many, { recursive: true, force: true });
    }
  });

  it('throws for a root that does not exist', async () => {
    await expect(collect(walkFiles(join(base, 'missing')))).rejects.toThrow(/ENOENT/);
  });
});

describe('crawl', () => {
  let results: Map<string, ReadResult>;
  const documentAt = (path: string): SourceDocument => {
    const result = results.get(path);
    if (result?.kind !== 'document') throw new Error(`${path}: ${JSON.stringify(result)}`);
    return result.document;
  };
  const skipReason = (path: string) => {
    const result = results.get(path);
    return result?.kind === 'skipped' ? result.skipped.reason : `not skipped: ${result?.kind}`;
  };

  beforeAll(async () => {
    const all = await collect(crawl(root, { ignoreDirs: [join(root, 'index')] }));
    expect(all.map(pathOf)).toEqual(all.map(pathOf).sort());
    results = new Map(all.map((result) => [pathOf(result), result]));
  });

  it('decodes UTF-8, with and without a BOM', () => {
    expect(documentAt('readme.md')).toMatchObject({ encoding: 'utf-8', text: '# Title\n\nCafé ☕ naïve — 日本語\n' });
    expect(documentAt('bom.txt')).toMatchObject({ encoding: 'utf-8', text: 'with a BOM\n' });
  });

  it('decodes UTF-16 with a BOM, both byte orders', () => {
    expect(documentAt('utf16le.txt')).toMatchObject({ encoding: 'utf-16le', text: 'UTF-16LE: Grüße\nzweite Zeile\n' });
    expect(documentAt('utf16be.txt')).toMatchObject({ encoding: 'utf-16be', text: 'UTF-16BE: ½ € ✓\n' });
  });

  it('detects Shift-JIS', () => {
    expect(documentAt('sjis.txt')).toMatchObject({ encoding: 'shift_jis', text: JAPANESE });
  });

  it('detects Latin-1 and windows-1252', () => {
    expect(documentAt('latin1.txt').text).toBe(FRENCH);
    expect(['iso-8859-1', 'windows-1252']).toContain(documentAt('latin1.txt').encoding);
    expect(documentAt('cp1252.txt')).toMatchObject({ encoding: 'windows-1252', text: GERMAN });
  });

  it('normalises CRLF and CR to LF', () => {
    expect(documentAt('crlf.txt').text).toBe('one\ntwo\nthree\n');
  });

  it('hashes the raw bytes and reports their size', async () => {
    const bytes = await fsp.readFile(join(root, 'utf16le.txt'));
    expect(documentAt('utf16le.txt')).toMatchObject({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      absPath: join(root, 'utf16le.txt'),
    });
  });

  it('follows symlinks that stay inside the root, under the link path', () => {
    expect(documentAt('linked-file.md').text).toBe(documentAt('readme.md').text);
    expect(documentAt('linked-dir/guide.md').text).toBe('# Guide\n');
  });

  it('skips binary and empty files with a reason', () => {
    expect(skipReason('image.png')).toBe('binary file (NUL bytes)');
    expect(skipReason('photo.txt')).toBe('binary file (NUL bytes)');
    expect(skipReason('empty.txt')).toBe('empty file');
    expect(skipReason('outside.md')).toBe('symlink leaves the root');
  });

  it('lets content win over a binary extension', () => {
    expect(documentAt('notes.pyc')).toMatchObject({ encoding: 'utf-8', text: 'plain text behind a binary extension\n' });
  });
});

describe('readDocument', () => {
  const entryFor = async (path: string) => {
    const items = await collect(walkFiles(root, { include: [path] }));
    expect(items).toHaveLength(1);
    const [item] = items;
    if (item.kind !== 'file') throw new Error(`${path} was skipped: ${item.skipped.reason}`);
    return item.entry;
  };

  it('reports a file that vanished after the walk instead of throwing', async () => {
    await write('vanishing.md', 'soon gone\n');
    const entry = await entryFor('vanishing.md');
    await fsp.rm(join(root, 'vanishing.md'));
    expect(await readDocument(entry)).toEqual({ kind: 'skipped', skipped: { path: 'vanishing.md', reason: 'unreadable: ENOENT' } });
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file that walkFiles listed (walkFiles never opened it)', async () => {
    await write('locked.md', 'no access\n');
    await fsp.chmod(join(root, 'locked.md'), 0o000);
    try {
      const entry = await entryFor('locked.md');
      expect(await readDocument(entry)).toEqual({ kind: 'skipped', skipped: { path: 'locked.md', reason: 'unreadable: EACCES' } });
      expect(readDocumentSync(entry)).toEqual(await readDocument(entry));
    } finally {
      await fsp.rm(join(root, 'locked.md'));
    }
  });
});

describe('readDocuments and readDocumentSync', () => {
  const listed = async (): Promise<FileEntry[]> => (await collect(walkFiles(root))).flatMap((item) => (item.kind === 'file' ? [item.entry] : []));

  it('read every kind of file the same, in the same order', async () => {
    const entries = await listed();
    const awaited = await collect(readDocuments(entries));
    expect(awaited.map(pathOf)).toEqual(entries.map((entry) => entry.path));
    expect(new Set(awaited.map((result) => result.kind))).toEqual(new Set(['document', 'skipped']));
    expect(entries.map(readDocumentSync)).toEqual(awaited);
  });

  it('report a file that vanished after the walk', async () => {
    const [first] = await listed();
    const gone = { ...first!, path: 'gone.md', absPath: join(root, 'gone.md') };
    const skipped = { kind: 'skipped', skipped: { path: 'gone.md', reason: 'unreadable: ENOENT' } };
    expect(await collect(readDocuments([gone, first!]))).toEqual([skipped, await readDocument(first!)]);
    expect(readDocumentSync(gone)).toEqual(skipped);
  });
});

describe('decodeText', () => {
  const text = (bytes: Uint8Array) => {
    const result = decodeText(bytes);
    return result.kind === 'text' ? { encoding: result.encoding, text: result.text } : result;
  };

  it('calls pure ASCII and empty input utf-8', () => {
    expect(text(Buffer.from('plain ascii\n'))).toEqual({ encoding: 'utf-8', text: 'plain ascii\n' });
    expect(text(new Uint8Array())).toEqual({ encoding: 'utf-8', text: '' });
  });

  it('recognises UTF-16 without a BOM by where its NUL bytes sit', () => {
    const sample = 'UTF-16 without a byte order mark.\nSecond line, ünïcödé.\n';
    expect(text(Buffer.from(sample, 'utf16le'))).toEqual({ encoding: 'utf-16le', text: sample });
    expect(text(utf16be(sample))).toEqual({ encoding: 'utf-16be', text: sample });
  });

  it('decodes UTF-32 with a BOM', () => {
    const body = iconv.encode('UTF-32 😀\n', 'utf-32be');
    expect(text(Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), body]))).toEqual({ encoding: 'utf-32be', text: 'UTF-32 😀\n' });
  });

  it('falls back to windows-1252 for short Western text', () => {
    expect(text(iconv.encode('café', 'windows-1252'))).toEqual({ encoding: 'windows-1252', text: 'café' });
  });

  it('keeps UTF-8 whose last character was cut off', () => {
    const bytes = Buffer.from('A file cut short: déjà vu €');
    expect(text(bytes.subarray(0, bytes.length - 1))).toEqual({ encoding: 'utf-8', text: 'A file cut short: déjà vu \uFFFD' });
  });

  it('calls NUL-laden or control-heavy bytes binary', () => {
    expect(decodeText(Buffer.from([0x00, 0x01, 0x02, 0x80, 0x81, 0xff]))).toEqual({ kind: 'binary', reason: 'binary file (NUL bytes)' });
    expect(decodeText(Buffer.from('\x01\x02\x03\x04 text \x05\x06\x07\x08'))).toEqual({
      kind: 'binary',
      reason: 'binary file (control characters)',
    });
    expect(decodeText(Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n', 'latin1'))).toEqual({ kind: 'binary', reason: 'binary file (PDF document)' });
  });
});
