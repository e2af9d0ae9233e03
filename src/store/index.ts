export * from './index-store.js';
export * from './location.js';
export * from './lock.js';
export * from './pending.js';
export * from './schema.js';
export { sqlIn, sqlString } from './sql.js';
