export * from './fusion.js';
export * from './path-filter.js';
export * from './search.js';
export * from './snippet.js';
