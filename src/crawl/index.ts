export type { CrawlOptions, FileEntry, ReadResult, SkippedFile, SourceDocument, WalkItem } from './types.js';
export type { DecodeResult } from './decode.js';
export { decodeText } from './decode.js';
export { readDocument, readDocumentSync, readDocuments } from './read.js';
export { walkFiles } from './walk.js';
export { crawl } from './crawl.js';
