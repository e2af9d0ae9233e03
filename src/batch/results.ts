import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GoogleGenAI } from '@google/genai';
import { kindOf, type RequestKind, type ResultLine } from './kinds.js';
import { resultFileName, type Ledger, type LedgerEntry } from './ledger.js';
import { readAhead } from './read-ahead.js';
import { readLines, readRequestKeys } from './request-file.js';

export type { ResultLine } from './kinds.js';

/** Result lines parsed ahead of the loader: about one write batch of them (see loadBatchRows). */
const READ_AHEAD_BYTES = 8_000_000;

/**
 * Streams the results of a succeeded job. File results are downloaded into the work area and read
 * line by line, matched by key (lines come in any order). Inline results carry no keys and are
 * matched by position with the request file, so their count must equal the request count.
 */
export async function* readResults(ai: GoogleGenAI, ledger: Ledger, entry: LedgerEntry): AsyncGenerator<ResultLine> {
  const kind = kindOf(entry.kind);
  const job = await ai.batches.get({ name: entry.name! });
  if (entry.input === 'inline') {
    const items = kind.inlineResults(job);
    const keys: string[] = [];
    for await (const key of readRequestKeys(join(ledger.workDir, entry.requestFile))) keys.push(key);
    if (items.length !== keys.length) {
      // Positions cannot be trusted: every request is treated as unanswered and goes to a retry.
      for (const key of keys) yield { key, ok: false, error: `inline results: ${items.length} for ${keys.length} requests` };
      return;
    }
    for (let i = 0; i < keys.length; i++) {
      const metadataKey = (items[i] as { metadata?: { key?: string } }).metadata?.key;
      yield { key: metadataKey ?? keys[i], ...kind.parse(items[i]) };
    }
    return;
  }
  const fileName = job.dest?.fileName;
  if (!fileName) throw new Error(`job ${entry.name} succeeded but names no result file`);
  if (entry.resultFile !== fileName) await ledger.update(entry.id, { resultFile: fileName });
  const downloadPath = join(ledger.workDir, resultFileName(entry));
  // A complete earlier download is reused: the result file is kept until the job is loaded.
  if (!(await exists(downloadPath))) {
    const partial = `${downloadPath}.part`;
    await ai.files.download({ file: fileName, downloadPath: partial });
    await rename(partial, downloadPath);
  }
  for await (const { result } of readAhead(parseResultFile(kind, downloadPath), READ_AHEAD_BYTES, (line) => line.byteLength)) {
    if (result) yield result;
  }
}

async function* parseResultFile(kind: RequestKind, path: string): AsyncGenerator<{ result: ResultLine | undefined; byteLength: number }> {
  for await (const { bytes } of readLines(path)) yield { result: kind.parseResultLine(bytes), byteLength: bytes.length };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
