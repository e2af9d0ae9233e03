import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PendingChunks, PendingFileError, type PendingChunk } from '../src/store/index.js';
import { tempDir } from './helpers/fixtures.js';

const FILE = 'pending.jsonl';

/** Row i of doc i/10, key k<i>; multi-byte text every third row, so byte offsets differ from string offsets. */
function rowOf(i: number, text = i % 3 === 0 ? `é ü 日本語 🙂 paragraph ${i} `.repeat(40) : `paragraph ${i} `.repeat(150)): PendingChunk {
  const path = `doc${Math.floor(i / 10)}.md`;
  return { id: `${path}#${i % 10}`, key: `k${i}`, path, chunk: i % 10, start_line: i, end_line: i + 1, heading: `H ${i}`, text, tokens: 9, model: 'm', doc_hash: 'h' };
}

/** The rows a take of one key returns. */
function takeOne(pending: PendingChunks, key: string): PendingChunk[] {
  return pending.take([key]).get(key) ?? [];
}

function rows(from: number, to: number): PendingChunk[] {
  return Array.from({ length: to - from }, (_, offset) => rowOf(from + offset));
}

describe('PendingChunks', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const opened: PendingChunks[] = [];
  const openPending = async () => {
    const pending = await PendingChunks.open(dir.path);
    opened.push(pending);
    return pending;
  };
  const fileRows = async () =>
    (await readFile(join(dir.path, FILE), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as PendingChunk);
  /** Saves `rowsToSave` through a fresh instance, so what follows reads them from the file. */
  const saved = async (rowsToSave: PendingChunk[]) => {
    const writer = await openPending();
    writer.add(rowsToSave);
    await writer.save();
    await writer.close();
    return openPending();
  };

  beforeEach(async () => {
    dir = await tempDir('gbi-pending-');
  });
  afterEach(async () => {
    for (const pending of opened.splice(0)) await pending.close();
    await dir.remove();
  });

  it('starts empty without a file, and saves an empty file', async () => {
    const pending = await openPending();
    expect(pending.size).toBe(0);
    expect(takeOne(pending, 'k0')).toEqual([]);
    await pending.save();
    expect(await readFile(join(dir.path, FILE), 'utf8')).toBe('');
    expect((await openPending()).size).toBe(0);
  });

  it('round-trips rows through the file, multi-byte text included, and takes each once', async () => {
    const all = rows(0, 300);
    const pending = await saved(all);
    expect(pending.size).toBe(300);
    expect(pending.keys()).toEqual(new Set(all.map((row) => row.key)));
    // Out of file order, so each read depends on its own offset.
    for (const i of [299, 0, 150, 3, 298, 1]) expect(takeOne(pending, `k${i}`)).toEqual([all[i]]);
    expect(takeOne(pending, 'k0')).toEqual([]);
    expect(pending.size).toBe(294);
  });

  it('takes many keys at once: rows near and far apart in the file, rows in memory, keys with none', async () => {
    const all = rows(0, 300);
    const pending = await saved(all);
    const added = rowOf(300);
    pending.add([added]);
    const taken = pending.take(['k299', 'k0', 'k150', 'k1', 'missing', 'k2', 'k300', 'k0']);
    expect([...taken.keys()]).toEqual(['k299', 'k0', 'k150', 'k1', 'k2', 'k300']);
    expect([...taken.values()]).toEqual([[all[299]], [all[0]], [all[150]], [all[1]], [all[2]], [added]]);
    expect(pending.size).toBe(295);
    expect(pending.take(['k0', 'k300']).size).toBe(0);
  });

  it('keeps every occurrence of a key, from the file and from memory', async () => {
    const shared = { ...rowOf(1), key: 'shared' };
    const again = { ...rowOf(25), key: 'shared' };
    const pending = await saved([rowOf(0), shared]);
    pending.add([again]);
    expect(takeOne(pending, 'shared')).toEqual([shared, again]);
  });

  it('rewrites in file order when a key has rows far apart in the file', async () => {
    const all = rows(0, 60).map((row, i) => (i === 1 || i === 50 ? { ...row, key: 'shared' } : row));
    await writeFile(join(dir.path, FILE), all.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const pending = await openPending();
    takeOne(pending, 'k30');
    await pending.save();
    const expected = all.filter((_, i) => i !== 30);
    expect(await fileRows()).toEqual(expected);
    expect(takeOne(pending, 'shared')).toEqual([all[1], all[50]]);
  });

  it('after a save, takes rows from the new file: old offsets are gone, rows added since are written', async () => {
    const all = rows(0, 200);
    const pending = await saved(all.slice(0, 100));
    // Taken rows leave gaps, so every surviving row moves in the new file.
    for (let i = 0; i < 100; i += 2) takeOne(pending, `k${i}`);
    const added = all.slice(100);
    pending.add(added);
    await pending.save();
    // What was added is read back from the file: changing the caller's object afterwards does not show.
    added[0]!.text = 'changed after save';
    const expected = [...rows(0, 100).filter((_, i) => i % 2 === 1), ...rows(100, 200)];
    expect(await fileRows()).toEqual(expected);
    for (const row of expected) expect(takeOne(pending, row.key)).toEqual([row]);
    expect(pending.size).toBe(0);
    await pending.save();
    expect(await readFile(join(dir.path, FILE), 'utf8')).toBe('');
  });

  it('saves twice in a row and reopens what it saved', async () => {
    const pending = await saved(rows(0, 50));
    pending.add(rows(50, 60));
    await pending.save();
    takeOne(pending, 'k7');
    pending.add(rows(60, 70));
    await pending.save();
    const expected = rows(0, 70).filter((row) => row.key !== 'k7');
    expect(await fileRows()).toEqual(expected);
    const reopened = await openPending();
    expect(reopened.size).toBe(69);
    for (const row of expected) expect(takeOne(reopened, row.key)).toEqual([row]);
  });

  it('drops the file rows of paths, and replaces file rows by id', async () => {
    const pending = await saved(rows(0, 40));
    pending.dropPaths(new Set(['doc1.md']));
    const newer = { ...rowOf(25), key: 'k25-new', text: 'the newer version' };
    pending.add([newer]);
    expect(pending.size).toBe(30);
    expect(takeOne(pending, 'k15')).toEqual([]);
    expect(takeOne(pending, 'k25')).toEqual([]);
    await pending.save();
    const expected = [...rows(0, 10), ...rows(20, 40).filter((row) => row.id !== newer.id), newer];
    expect(await fileRows()).toEqual(expected);
    expect(pending.keys()).toEqual(new Set(expected.map((row) => row.key)));
    const reopened = await openPending();
    for (const row of expected) expect(takeOne(reopened, row.key)).toEqual([row]);
    expect(reopened.size).toBe(0);
  });

  it('forgets everything with dropAll, the file too once saved', async () => {
    const pending = await saved(rows(0, 20));
    pending.dropAll();
    expect(pending.size).toBe(0);
    await pending.save();
    expect(await readFile(join(dir.path, FILE), 'utf8')).toBe('');
    expect((await openPending()).size).toBe(0);
  });

  it('handles a row larger than every read and write block', async () => {
    const huge = rowOf(5, `${'x'.repeat(3 << 20)}é${'🙂'.repeat(1 << 20)}`);
    const all = rows(0, 20).map((row, i) => (i === 5 ? huge : row));
    const pending = await saved(all);
    pending.add(rows(20, 30));
    await pending.save();
    expect(takeOne(pending, 'k5')).toEqual([huge]);
    const reopened = await openPending();
    for (const row of [...all, ...rows(20, 30)]) expect(takeOne(reopened, row.key)).toEqual([row]);
  });

  it('reads a file written elsewhere: CRLF, blank lines, no final newline', async () => {
    const all = rows(0, 3);
    await writeFile(join(dir.path, FILE), `${JSON.stringify(all[0])}\r\n\r\n${JSON.stringify(all[1])}\n\n${JSON.stringify(all[2])}`);
    const pending = await openPending();
    expect(pending.size).toBe(3);
    expect(takeOne(pending, 'k2')).toEqual([all[2]]);
    expect(takeOne(pending, 'k0')).toEqual([all[0]]);
    await pending.save();
    expect(await fileRows()).toEqual([all[1]]);
  });

  it('refuses a file that is not pending rows', async () => {
    await writeFile(join(dir.path, FILE), `${JSON.stringify(rowOf(0))}\n{"id": 1}\n`);
    await expect(PendingChunks.open(dir.path)).rejects.toThrow(PendingFileError);
    await writeFile(join(dir.path, FILE), 'not json\n');
    await expect(PendingChunks.open(dir.path)).rejects.toThrow(PendingFileError);
  });

  it('leaves the old file and its rows whole when a save fails before the rename', async () => {
    const all = rows(0, 30);
    const pending = await saved(all);
    const before = await readFile(join(dir.path, FILE), 'utf8');
    takeOne(pending, 'k0');
    // A row JSON cannot write fails the save while the new file is half written.
    pending.add([{ ...rowOf(30), tokens: 1n as unknown as number }]);
    await expect(pending.save()).rejects.toThrow(TypeError);
    expect(await readFile(join(dir.path, FILE), 'utf8')).toBe(before);
    for (const row of all.slice(1)) expect(takeOne(pending, row.key)).toEqual([row]);
  });

  it('says so when the file changed under it, and keeps the rows pending', async () => {
    const all = rows(0, 10);
    const pending = await saved(all);
    // Rewritten in place (same file), not replaced: rows 1 and 2 swapped, lines of the same length.
    [all[1], all[2]] = [all[2]!, all[1]!];
    await writeFile(join(dir.path, FILE), all.map((row) => `${JSON.stringify(row)}\n`).join(''));
    expect(() => pending.take(['k1', 'k4', 'k8'])).toThrow(PendingFileError);
    // Lines no longer where they were: not JSON at all.
    await writeFile(join(dir.path, FILE), `${JSON.stringify(rowOf(3))}\n`.repeat(10));
    expect(() => pending.take(['k4'])).toThrow(PendingFileError);
    expect(pending.size).toBe(10);
  });

  it('cannot read file rows once closed, but still has the rows added since', async () => {
    const pending = await saved(rows(0, 10));
    pending.add([rowOf(10)]);
    await pending.close();
    expect(takeOne(pending, 'k10')).toEqual([rowOf(10)]);
    expect(() => takeOne(pending, 'k1')).toThrow(PendingFileError);
  });
});
