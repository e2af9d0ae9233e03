import * as lancedb from '@lancedb/lancedb';
import { expect } from 'vitest';
import { hashEmbed } from '../../src/emulator/index.js';
import type { IndexMeta } from '../../src/store/index.js';

export interface StoredRow {
  id: string;
  key: string;
  path: string;
  chunk: number;
  text: string;
  heading: string;
  doc_hash: string;
  vector: Float32Array;
}

export async function readTable<T>(index: string, name: string): Promise<T[]> {
  const db = await lancedb.connect(index);
  try {
    if (!(await db.tableNames()).includes(name)) return [];
    const table = await db.openTable(name);
    const rows = await table.query().toArray();
    table.close();
    return rows as T[];
  } finally {
    db.close();
  }
}

export async function readIndexMeta(index: string): Promise<IndexMeta | undefined> {
  const [row] = await readTable<{ value: string }>(index, 'meta');
  return row ? (JSON.parse(row.value) as IndexMeta) : undefined;
}

export async function readRows(index: string): Promise<StoredRow[]> {
  const rows = await readTable<Record<string, unknown>>(index, 'chunks');
  return rows
    .map((row) => ({ ...row, vector: Float32Array.from(row.vector as Iterable<number>) }) as StoredRow)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** A key or position mix-up puts some chunk's vector on another's text: this catches it. */
export function expectVectorsMatchTexts(rows: readonly StoredRow[], dims: number): void {
  for (const row of rows) {
    const expected = hashEmbed(row.text, dims);
    expect(row.vector.length).toBe(dims);
    let diff = 0;
    for (let i = 0; i < dims; i++) diff = Math.max(diff, Math.abs(row.vector[i] - expected[i]));
    expect(diff, `vector of ${row.id} differs from the embedding of its text`).toBeLessThan(1e-5);
  }
}

export function expectNoDuplicates(rows: readonly StoredRow[]): void {
  expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
}

/** Two indexes hold the same chunks: same ids, keys, texts and vectors. */
export function expectSameIndex(actual: readonly StoredRow[], expected: readonly StoredRow[]): void {
  expect(actual.map((row) => [row.id, row.key, row.text])).toEqual(expected.map((row) => [row.id, row.key, row.text]));
  for (let i = 0; i < actual.length; i++) {
    expect(Array.from(actual[i].vector), actual[i].id).toEqual(Array.from(expected[i].vector));
  }
}
