// One read document → the chunk rows it should have and the embed request of each: pure, so that it
// runs the same on the calling thread and on the prepare threads (prepare.ts).
import type { PreparedRequest } from '../batch/index.js';
import { chunkDocument, chunkKey, documentTitle, type ChunkerSettings } from '../chunk/index.js';
import type { ReadResult, SkippedFile, SourceDocument } from '../crawl/index.js';
import type { PendingChunk } from '../store/index.js';

export const DOCUMENT_TASK = 'RETRIEVAL_DOCUMENT';

/** What decides a document's rows and requests, besides the document. */
export interface DocumentPlanSettings {
  fingerprint: string;
  model: string;
  dims: number;
  chunker: ChunkerSettings;
}

export interface PlannedChunk extends PendingChunk {
  title?: string;
  /** Its embed request's line as UTF-8 (requestLineJson of embedRequest), when it was made ahead. */
  requestLine?: Uint8Array;
}

export interface PlannedDocument {
  source: SourceDocument;
  path: string;
  sha256: string;
  title: string;
  chunks: PlannedChunk[];
}

/** A file read and planned, or the reason it is skipped. */
export type PreparedFile = { kind: 'document'; document: PlannedDocument } | { kind: 'skipped'; skipped: SkippedFile };

export function preparedFile(result: ReadResult, settings: DocumentPlanSettings): PreparedFile {
  return result.kind === 'document' ? { kind: 'document', document: planDocument(result.document, settings) } : result;
}

/** The title is sent with the text (RETRIEVAL_DOCUMENT uses it), so it is part of what the key names. */
export function embeddingKey(fingerprint: string, title: string, text: string): string {
  return chunkKey(fingerprint, title ? `${title}\u0000${text}` : text);
}

export function planDocument(source: SourceDocument, settings: DocumentPlanSettings): PlannedDocument {
  const { fingerprint, model, chunker } = settings;
  const title = documentTitle(source) ?? '';
  const chunks = chunkDocument(source, chunker).map((chunk) =>
    plannedChunk(source, title, model, chunk.index, {
      key: embeddingKey(fingerprint, title, chunk.text),
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      heading: chunk.headings.join(' > '),
      text: chunk.text,
      tokens: chunk.tokens,
    }),
  );
  return { source, path: source.path, sha256: source.sha256, title, chunks };
}

/** What a chunk's row has of its own; the rest comes from its document. */
export interface ChunkPart {
  key: string;
  startLine: number;
  endLine: number;
  heading: string;
  text: string;
  tokens: number;
}

/** The row of the document's chunk number `index`. */
export function plannedChunk(source: SourceDocument, title: string, model: string, index: number, part: ChunkPart): PlannedChunk {
  return {
    id: `${source.path}#${index}`,
    key: part.key,
    path: source.path,
    chunk: index,
    start_line: part.startLine,
    end_line: part.endLine,
    heading: part.heading,
    text: part.text,
    tokens: part.tokens,
    model,
    doc_hash: source.sha256,
    title: title || undefined,
  };
}

/** The chunk's embed request, with its line when that was made ahead (at the same dims). */
export function embedRequest(chunk: PlannedChunk, dims: number): PreparedRequest {
  return {
    key: chunk.key,
    tokens: chunk.tokens,
    request: {
      content: { parts: [{ text: chunk.text }] },
      taskType: DOCUMENT_TASK,
      ...(chunk.title ? { title: chunk.title } : {}),
      outputDimensionality: dims,
    },
    ...(chunk.requestLine === undefined ? {} : { line: chunk.requestLine }),
  };
}

/**
 * requestLineJson(embedRequest(chunk, dims)), written out directly: one per chunk on the prepare
 * threads, where the request object and its walk by JSON.stringify cost a fifth of the line.
 */
export function embedRequestLineJson(chunk: PlannedChunk, dims: number): string {
  const title = chunk.title ? `"title":${JSON.stringify(chunk.title)},` : '';
  return `{"key":${JSON.stringify(chunk.key)},"request":{"content":{"parts":[{"text":${JSON.stringify(chunk.text)}}]},"taskType":"${DOCUMENT_TASK}",${title}"outputDimensionality":${dims}}}`;
}

/** The row kept until the chunk's vector arrives. */
export function pendingRow({ title: _title, requestLine: _requestLine, ...row }: PlannedChunk): PendingChunk {
  return row;
}
