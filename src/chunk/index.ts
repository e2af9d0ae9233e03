export { chunkDocument, documentTitle } from './chunk.js';
export { CHUNKER_VERSION, chunkKey, fingerprintOf, type Fingerprint } from './key.js';
export { estimateTokens } from './tokens.js';
export { DEFAULT_CHUNKER_SETTINGS, type Chunk, type ChunkerSettings } from './types.js';
