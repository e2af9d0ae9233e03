/**
 * P2 and soak helpers: texts from the corpus, and a finished emulator embedding job recorded in an
 * index's ledger exactly as build() leaves it (pending chunk rows + ledger entry + submitted job).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { fetchJobStatus, planJobs, type LedgerEntry, type PreparedRequest, type RawAccess } from '../../src/batch/index.js';
import { chunkKey, estimateTokens } from '../../src/chunk/index.js';
import { API_VERSION } from '../../src/backend.js';
import { DEFAULT_MODEL, DOCUMENT_TASK } from '../../src/pipeline/build.js';
import { IndexSession } from '../../src/pipeline/session.js';
import type { PendingChunk } from '../../src/store/index.js';

/**
 * `count` distinct texts of about `chars` characters: the corpus's Markdown cut at blank lines;
 * once the corpus is used up, the same slices again with a variant marker, so every text (and key)
 * is distinct while the vectors stay realistic (dense hashed features of real prose).
 */
export async function corpusTexts(root: string, count: number, chars = 2_000): Promise<string[]> {
  const paths = (await fg('**/*.md', { cwd: root, dot: true, followSymbolicLinks: false })).sort();
  const slices: string[] = [];
  const seen = new Set<string>();
  const push = (slice: string) => {
    if (seen.has(slice)) return;
    seen.add(slice);
    slices.push(slice);
  };
  for (const path of paths) {
    const text = await readFile(join(root, path), 'utf8');
    let current = '';
    for (const paragraph of text.split(/\n{2,}/)) {
      current = current ? `${current}\n\n${paragraph}` : paragraph;
      if (current.length >= chars) {
        push(current.slice(0, chars * 2));
        current = '';
      }
    }
    if (current.trim()) push(current);
    if (slices.length >= count) break;
  }
  if (slices.length === 0) throw new Error(`no Markdown text under ${root}`);
  const texts: string[] = [];
  for (let i = 0; texts.length < count; i++) {
    const base = slices[i % slices.length]!;
    const variant = Math.floor(i / slices.length);
    texts.push(variant === 0 ? base : `${base}\n\n(variant ${variant})`);
  }
  return texts;
}

export interface StagedJob {
  index: string;
  entry: LedgerEntry;
  keys: number;
}

/**
 * Records pending rows and one file-input embedding job for `texts` in the index's state, submits it
 * to the emulator at `endpoint` (upload + create, through the session's own runner) and waits until
 * the emulator has finished it. A later `session.runJobs(dims, true)` then only loads.
 */
export async function stageFinishedJob(index: string, endpoint: string, dims: number, texts: readonly string[]): Promise<StagedJob> {
  const session = await IndexSession.open({ index, command: 'gbi bench (stage)', write: true, backend: { endpoint }, limits: { input: 'file' } });
  let entry: LedgerEntry;
  try {
    await session.store.prepare(dims);
    const fingerprint = `bench-${dims}`;
    const pending: PendingChunk[] = [];
    const requests: PreparedRequest[] = [];
    texts.forEach((text, i) => {
      const key = chunkKey(fingerprint, text);
      const path = `bench/doc-${String(Math.floor(i / 50)).padStart(5, '0')}.md`;
      const tokens = estimateTokens(text);
      pending.push({ id: `${path}#${i % 50}`, key, path, chunk: i % 50, start_line: 1, end_line: 1, heading: '', text, tokens, model: DEFAULT_MODEL, doc_hash: 'bench' });
      requests.push({ key, tokens, request: { content: { parts: [{ text }] }, taskType: DOCUMENT_TASK, outputDimensionality: dims } });
    });
    session.pending.add(pending);
    await session.pending.save();
    await planJobs(session.ledger, 'embed', DEFAULT_MODEL, requests, session.limits);
    await session.runJobs(dims, false);
    entry = session.ledger.jobs[0]!;
  } finally {
    await session.close();
  }
  const access: RawAccess = { baseUrl: endpoint, apiVersion: API_VERSION, apiKey: 'bench' };
  for (;;) {
    const status = await fetchJobStatus(access, entry.name!);
    if (status.state === 'SUCCEEDED') break;
    if (status.state !== 'PENDING' && status.state !== 'RUNNING') throw new Error(`staged job ended ${status.state}: ${status.error ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { index, entry, keys: texts.length };
}
