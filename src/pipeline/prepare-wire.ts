// Planned documents in the shape they cross threads in. Taking in a structured clone costs the
// receiving thread in proportion to its strings and objects, and the caller takes in every document:
// so chunk texts travel as offsets into their document's text, request lines as UTF-8 in one
// transferable buffer per batch, and per-chunk values in columns.
// Modules, not their stage's index: a thread that starts loads only what it uses.
import type { SkippedFile, SourceDocument } from '../crawl/index.js';
import { embedRequestLineJson, plannedChunk, type DocumentPlanSettings, type PlannedDocument, type PreparedFile } from './document-plan.js';

/** Per chunk, in this order: text start and end in the document text, lines, tokens, request line start and end. */
const FIELDS = 7;

interface DocumentColumns {
  source: SourceDocument;
  title: string;
  keys: string[];
  headings: string[];
  numbers: Float64Array;
}

export type WireFile = { kind: 'document'; columns: DocumentColumns } | { kind: 'skipped'; skipped: SkippedFile };

export interface WireBatch {
  files: WireFile[];
  /** Every request line of the batch, back to back. */
  lines: Uint8Array<ArrayBuffer>;
}

/** The batch to send, and the buffer to transfer with it. */
export function encodeBatch(files: readonly PreparedFile[], dims: number): { batch: WireBatch; transfer: ArrayBuffer[] } {
  const jsonLines: string[] = [];
  let bytes = 0;
  const wireFiles = files.map((file): WireFile => {
    if (file.kind === 'skipped') return file;
    const { source, title, chunks } = file.document;
    const numbers = new Float64Array(chunks.length * FIELDS);
    let searchFrom = 0;
    for (let i = 0, at = 0; i < chunks.length; i++, at += FIELDS) {
      const chunk = chunks[i]!;
      // Chunks come in document order and overlap at most their predecessor, so the search is short;
      // where the text occurs earlier too, that occurrence is the same text.
      const start = source.text.indexOf(chunk.text, searchFrom);
      if (start === -1) throw new Error(`${source.path}: chunk ${i} is not a part of the document text`);
      searchFrom = start;
      numbers[at] = start;
      numbers[at + 1] = start + chunk.text.length;
      numbers[at + 2] = chunk.start_line;
      numbers[at + 3] = chunk.end_line;
      numbers[at + 4] = chunk.tokens;
      const json = embedRequestLineJson(chunk, dims);
      jsonLines.push(json);
      bytes += Buffer.byteLength(json);
    }
    return { kind: 'document', columns: { source, title, keys: chunks.map((chunk) => chunk.key), headings: chunks.map((chunk) => chunk.heading), numbers } };
  });
  // Not from Node's shared pool, so that it can be transferred.
  const lines = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  let line = 0;
  for (const file of wireFiles) {
    if (file.kind !== 'document') continue;
    const { numbers } = file.columns;
    for (let base = 0; base < numbers.length; base += FIELDS) {
      numbers[base + 5] = at;
      at += lines.write(jsonLines[line++]!, at);
      numbers[base + 6] = at;
    }
  }
  const view = new Uint8Array(lines.buffer, lines.byteOffset, lines.length);
  return { batch: { files: wireFiles, lines: view }, transfer: [view.buffer] };
}

/** The planned documents a batch holds, as planDocument made them, each chunk with its request line. */
export function decodeBatch({ files, lines }: WireBatch, settings: DocumentPlanSettings): PreparedFile[] {
  return files.map((file): PreparedFile => {
    if (file.kind === 'skipped') return file;
    const { source, title, keys, headings, numbers } = file.columns;
    const chunks = keys.map((key, i) => {
      const at = i * FIELDS;
      const chunk = plannedChunk(source, title, settings.model, i, {
        key,
        startLine: numbers[at + 2]!,
        endLine: numbers[at + 3]!,
        heading: headings[i]!,
        text: source.text.slice(numbers[at]!, numbers[at + 1]!),
        tokens: numbers[at + 4]!,
      });
      chunk.requestLine = lines.subarray(numbers[at + 5]!, numbers[at + 6]!);
      return chunk;
    });
    const document: PlannedDocument = { source, path: source.path, sha256: source.sha256, title, chunks };
    return { kind: 'document', document };
  });
}
