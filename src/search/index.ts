export * from './search.js';
export * from './snippet.js';
