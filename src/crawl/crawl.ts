import { readDocument } from './read.js';
import type { CrawlOptions, ReadResult } from './types.js';
import { walkFiles } from './walk.js';

/** walkFiles + readDocument, one file at a time, with the skips of both. */
export async function* crawl(root: string, options?: CrawlOptions): AsyncGenerator<ReadResult> {
  for await (const item of walkFiles(root, options)) {
    yield item.kind === 'file' ? await readDocument(item.entry) : item;
  }
}
