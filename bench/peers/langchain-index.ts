/**
 * The P7 / cost baseline: LangChain.js `index()` with an in-memory RecordManager and
 * @langchain/community's LanceDB vector store, embedding with gbi's own offline embedder (`hashEmbed`,
 * same dims), over the same files gbi reads. Run by bench/figures/e2e.ts as
 *   node --import tsx bench/peers/langchain-index.ts <result.json> <input.json>
 * where input.json is { root, files: string[], dims, index }.
 *
 * Timed: reading the files, splitting them with RecursiveCharacterTextSplitter (LangChain's defaults,
 * chunkSize 1000 / chunkOverlap 200 characters), and index() with cleanup "incremental" keyed by
 * source (every chunk through embedDocuments and vectorStore.addDocuments, batches of 100).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { index } from '@langchain/core/indexing';
import { InMemoryRecordManager } from '@langchain/community/indexes/memory';
import { LanceDB } from '@langchain/community/vectorstores/lancedb';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { hashEmbed } from '../../src/emulator/embedder.js';
import { estimateTokens } from '../../src/chunk/tokens.js';

interface Input {
  root: string;
  files: string[];
  dims: number;
  index: string;
}

/** An Embeddings that calls gbi's offline embedder in-process: no network, no batching limits. */
class HashEmbeddings extends Embeddings {
  /** Every text LangChain asked to embed, in order: what it would send to the interactive API. */
  readonly sent: string[] = [];

  constructor(private readonly dims: number) {
    super({});
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    for (const text of texts) this.sent.push(text);
    return texts.map((text) => Array.from(hashEmbed(text, this.dims)));
  }

  async embedQuery(text: string): Promise<number[]> {
    return Array.from(hashEmbed(text, this.dims));
  }
}

const [out, inputPath] = process.argv.slice(2);
const input = JSON.parse(await readFile(inputPath!, 'utf8')) as Input;
const embeddings = new HashEmbeddings(input.dims);

const started = performance.now();
const docs: Document[] = [];
for (const path of input.files) {
  docs.push(new Document({ pageContent: await readFile(join(input.root, path), 'utf8'), metadata: { source: path } }));
}
const readMs = performance.now() - started;
const splitter = new RecursiveCharacterTextSplitter();
const chunks = await splitter.splitDocuments(docs);
const splitMs = performance.now() - started - readMs;
const recordManager = new InMemoryRecordManager();
await recordManager.createSchema();
const vectorStore = new LanceDB(embeddings, { uri: input.index, tableName: 'langchain', mode: 'overwrite' });
const result = await index({
  docsSource: chunks,
  recordManager,
  vectorStore,
  options: { cleanup: 'incremental', sourceIdKey: 'source' },
});
const totalMs = performance.now() - started;

const rows = vectorStore.table ? await vectorStore.table.countRows() : 0;
const tokens = embeddings.sent.reduce((sum, text) => sum + estimateTokens(text), 0);
await writeFile(
  out!,
  JSON.stringify({
    totalMs,
    readMs,
    splitMs,
    indexMs: totalMs - readMs - splitMs,
    files: docs.length,
    chunks: chunks.length,
    sentTexts: embeddings.sent.length,
    tokens,
    rows,
    result,
    splitter: { chunkSize: 1000, chunkOverlap: 200, kind: 'RecursiveCharacterTextSplitter (defaults)' },
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
