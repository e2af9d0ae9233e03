export * from './kinds.js';
export * from './ledger.js';
export * from './results.js';
export * from './runner.js';
export * from './submit.js';
export * from './wait.js';
export { readJsonLines, readRequestKeys } from './request-file.js';
export { requestLineJson } from './request-line.js';
export { failpoint, type FailpointName } from './failpoint.js';
