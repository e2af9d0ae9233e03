/** Maps a request line to an endpoint of the emulated API. Both `v1beta` and `v1` are served. */
import type { EndpointName } from './faults.js';

export interface Route {
  endpoint: EndpointName;
  /**
   * What the call is about: `models/…` for model calls; the batch id, file id or upload session
   * id for calls on one of those; empty for list calls and upload starts.
   */
  target: string;
}

const VERSION = '(?:v1beta|v1)';
const SEGMENT = '([^/:]+)';

interface RoutePattern {
  method: string;
  pattern: RegExp;
  endpoint: EndpointName;
  /** What the pattern's group captures, if it has one. */
  capture?: 'model' | 'id';
}

const MODEL_METHODS = ['asyncBatchEmbedContent', 'batchGenerateContent', 'batchEmbedContents', 'embedContent', 'generateContent'] as const;

const PATTERNS: RoutePattern[] = [
  ...MODEL_METHODS.map(
    (method): RoutePattern => ({
      method: 'POST',
      pattern: new RegExp(`^/${VERSION}/models/${SEGMENT}:${method}$`),
      endpoint: method,
      capture: 'model',
    }),
  ),
  { method: 'GET', pattern: new RegExp(`^/${VERSION}/batches$`), endpoint: 'listBatches' },
  { method: 'GET', pattern: new RegExp(`^/${VERSION}/batches/${SEGMENT}$`), endpoint: 'getBatch', capture: 'id' },
  { method: 'POST', pattern: new RegExp(`^/${VERSION}/batches/${SEGMENT}:cancel$`), endpoint: 'cancelBatch', capture: 'id' },
  { method: 'DELETE', pattern: new RegExp(`^/${VERSION}/batches/${SEGMENT}$`), endpoint: 'deleteBatch', capture: 'id' },
  { method: 'GET', pattern: new RegExp(`^/${VERSION}/files$`), endpoint: 'listFiles' },
  { method: 'GET', pattern: new RegExp(`^/${VERSION}/files/${SEGMENT}$`), endpoint: 'getFile', capture: 'id' },
  { method: 'DELETE', pattern: new RegExp(`^/${VERSION}/files/${SEGMENT}$`), endpoint: 'deleteFile', capture: 'id' },
  { method: 'GET', pattern: new RegExp(`^/(?:download/)?${VERSION}/files/${SEGMENT}:download$`), endpoint: 'download', capture: 'id' },
  { method: 'POST', pattern: new RegExp(`^/upload/${VERSION}/files$`), endpoint: 'uploadStart' },
];

export function matchRoute(method: string, url: URL): Route | undefined {
  const path = decodeURIComponent(url.pathname);
  for (const candidate of PATTERNS) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const uploadId = url.searchParams.get('upload_id');
    // Chunks go to the upload URL handed out at start: the same path plus an upload_id.
    if (candidate.endpoint === 'uploadStart' && uploadId !== null) return { endpoint: 'uploadChunk', target: uploadId };
    const captured = match[1] ?? '';
    return { endpoint: candidate.endpoint, target: candidate.capture === 'model' ? `models/${captured}` : captured };
  }
  return undefined;
}
