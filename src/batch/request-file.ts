import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RequestLine } from './kinds.js';

/** Streams a JSONL file one parsed line at a time; blank lines are passed over. */
export async function* readJsonLines(path: string): AsyncGenerator<{ line: number; value: unknown; raw: string }> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line++;
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    yield { line, value, raw };
  }
}

export async function* readRequestLines(path: string): AsyncGenerator<RequestLine> {
  for await (const { line, value } of readJsonLines(path)) {
    if (!value || typeof value !== 'object') throw new Error(`${path}:${line} is not a request line`);
    yield value as RequestLine;
  }
}
