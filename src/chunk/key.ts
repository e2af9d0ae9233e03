import { sha256Hex } from '../hash/sha256.js';
import type { ChunkerSettings } from './types.js';

/** Bump whenever chunking logic changes what text a document yields: every key changes with it. */
export const CHUNKER_VERSION = 2;

export interface Fingerprint {
  model: string;
  dims: number;
  taskType: string;
  chunker: ChunkerSettings;
}

/** JSON with object keys sorted at every level, so equal values always serialize the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Short stable hash of everything that decides a chunk's vector, besides its text. */
export function fingerprintOf(f: Fingerprint): string {
  const { targetTokens, maxTokens, overlapTokens } = f.chunker;
  const fields = {
    chunkerVersion: CHUNKER_VERSION,
    model: f.model,
    dims: f.dims,
    taskType: f.taskType,
    chunker: { targetTokens, maxTokens, overlapTokens },
  };
  return sha256Hex(canonicalJson(fields)).slice(0, 16);
}

/** Content address of a chunk's vector: identical text under one fingerprint is embedded once. */
export function chunkKey(fingerprint: string, text: string): string {
  return sha256Hex(`${fingerprint}\0${text}`).slice(0, 32);
}
