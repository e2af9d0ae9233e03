import { Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from 'apache-arrow';

/** One occurrence of a chunk in a document: what search returns. */
export interface ChunkRow {
  /** `path#chunk`: the row's identity, and the column every merge matches on. */
  id: string;
  /** The embedding key: hash of fingerprint, title and text. Shared by identical chunks. */
  key: string;
  path: string;
  chunk: number;
  start_line: number;
  end_line: number;
  /** Heading trail joined with ' > '. */
  heading: string;
  text: string;
  tokens: number;
  model: string;
  /** sha256 of the document version this row belongs to. */
  doc_hash: string;
  vector: Float32Array | number[];
}

/** The catalog: one row per indexed file. */
export interface DocumentRow {
  path: string;
  hash: string;
  size: number;
  mtime_ms: number;
  chunk_count: number;
  title: string;
  encoding: string;
  summary: string;
  keywords: string;
  /** Why the last summary attempt failed; empty when there is a summary or none was asked for. */
  summary_error: string;
}

export const CHUNKS_TABLE = 'chunks';
export const DOCUMENTS_TABLE = 'documents';
export const META_TABLE = 'meta';
/** Every vector paid for, by embedding key: what a changed, renamed or restored chunk reuses. */
export const VECTORS_TABLE = 'vectors';

export function vectorsSchema(dims: number): Schema {
  return new Schema([
    new Field('key', new Utf8(), false),
    new Field('vector', new FixedSizeList(dims, new Field('item', new Float32(), true)), false),
  ]);
}

// The id leads: LanceDB merges on it, and merges on a non-leading indexed column have misbehaved.
export function chunksSchema(dims: number): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('key', new Utf8(), false),
    new Field('path', new Utf8(), false),
    new Field('chunk', new Int32(), false),
    new Field('start_line', new Int32(), false),
    new Field('end_line', new Int32(), false),
    new Field('heading', new Utf8(), false),
    new Field('text', new Utf8(), false),
    new Field('tokens', new Int32(), false),
    new Field('model', new Utf8(), false),
    new Field('doc_hash', new Utf8(), false),
    new Field('vector', new FixedSizeList(dims, new Field('item', new Float32(), true)), false),
  ]);
}

export function documentsSchema(): Schema {
  return new Schema([
    new Field('path', new Utf8(), false),
    new Field('hash', new Utf8(), false),
    new Field('size', new Float64(), false),
    new Field('mtime_ms', new Float64(), false),
    new Field('chunk_count', new Int32(), false),
    new Field('title', new Utf8(), false),
    new Field('encoding', new Utf8(), false),
    new Field('summary', new Utf8(), false),
    new Field('keywords', new Utf8(), false),
    new Field('summary_error', new Utf8(), false),
  ]);
}

export function metaSchema(): Schema {
  return new Schema([new Field('name', new Utf8(), false), new Field('value', new Utf8(), false)]);
}
