/** gbi as a library: the same functions the command line uses. */
export { build, DEFAULT_DIMS, DEFAULT_MODEL, embeddingKey, type BuildEvent, type BuildOptions, type BuildSummary } from './pipeline/build.js';
export { openBackend, type Backend, type BackendOptions } from './backend.js';
export { startEmulator, hashEmbed, EMBEDDER_ID, type EmulatorHandle, type EmulatorOptions } from './emulator/index.js';
export { IndexStore, IndexLockedError, IndexMismatchError, type ChunkRow, type DocumentRow, type IndexMeta } from './store/index.js';
export { estimateCost, type CostEstimate } from './pricing.js';
export { openIndex, SearchIndex, type Ranks, type SearchHit, type SearchMode, type SearchOptions } from './search/index.js';
