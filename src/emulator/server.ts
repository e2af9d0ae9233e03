/**
 * The HTTP front: routing, API key check, injected call failures, and one handler per endpoint.
 * Every failure is answered as Google error JSON.
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { BatchService } from './batches.js';
import { ApiFailure, invalidArgument } from './errors.js';
import type { EndpointName, Faults, InjectedHttpStatus } from './faults.js';
import { type FileService, toFileResource } from './files.js';
import { drainRequest, header, readJsonBody, sendEmpty, sendFailure, sendJson } from './http-io.js';
import { batchEmbedContents, embedContent } from './interactive.js';
import { generateAnswer } from './results.js';
import { matchRoute, type Route } from './routes.js';
import type { StatsRecorder } from './stats.js';

export interface ServerContext {
  batches: BatchService;
  files: FileService;
  faults: Faults;
  stats: StatsRecorder;
  /** When set, the only key accepted; otherwise any non-empty key is. */
  apiKey: string | undefined;
  log: (line: string) => void;
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: Route;
  context: ServerContext;
}

type Handler = (call: Call) => Promise<void>;

const INJECTED_FAILURES: Record<InjectedHttpStatus, () => ApiFailure> = {
  429: () => new ApiFailure('RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'),
  503: () => new ApiFailure('UNAVAILABLE', 'The service is currently unavailable.'),
};

export function createRequestHandler(context: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(req, res, context).catch((error: unknown) => {
      context.log(`failed to answer ${req.method ?? ''} ${req.url ?? ''}: ${String(error)}`);
      res.destroy();
    });
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, context: ServerContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  try {
    const route = matchRoute(req.method ?? 'GET', url);
    if (!route) throw new ApiFailure('NOT_FOUND', `No such method: ${req.method ?? ''} ${url.pathname}`);
    context.stats.recordCall(route.endpoint);
    checkApiKey(header(req, 'x-goog-api-key'), context.apiKey);
    const injected = context.faults.takeCallFailure(route.endpoint);
    if (injected !== undefined) throw INJECTED_FAILURES[injected]();
    await HANDLERS[route.endpoint]({ req, res, url, route, context });
  } catch (error) {
    await answerFailure(req, res, error, context);
  }
  context.log(`${req.method ?? ''} ${url.pathname} ${res.statusCode}`);
}

async function answerFailure(req: IncomingMessage, res: ServerResponse, error: unknown, context: ServerContext): Promise<void> {
  const failure = toApiFailure(error);
  if (failure.status === 'INTERNAL') context.log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await drainRequest(req);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendFailure(res, failure);
}

function toApiFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  if (error instanceof URIError) return invalidArgument(`Malformed URL: ${error.message}`);
  return new ApiFailure('INTERNAL', 'An internal error has occurred.');
}

/** Mirrors Google: no key → 403 PERMISSION_DENIED; a wrong key → 400 INVALID_ARGUMENT (API_KEY_INVALID). */
function checkApiKey(key: string | undefined, expected: string | undefined): void {
  if (key === undefined || key === '') {
    throw new ApiFailure(
      'PERMISSION_DENIED',
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (expected !== undefined && !sameSecret(key, expected)) {
    throw new ApiFailure('INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ]);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Leaves out an empty list and a missing token, as proto-JSON does. */
function listBody(field: string, items: unknown[], nextPageToken: string | undefined): Record<string, unknown> {
  return {
    ...(items.length > 0 ? { [field]: items } : {}),
    ...(nextPageToken === undefined ? {} : { nextPageToken }),
  };
}

async function uploadStart({ req, res, url, context }: Call): Promise<void> {
  if (header(req, 'x-goog-upload-protocol') !== 'resumable' || header(req, 'x-goog-upload-command') !== 'start') {
    throw invalidArgument('Only resumable uploads are supported: send X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start.');
  }
  const session = await context.files.startUpload({
    body: await readJsonBody(req),
    headerMimeType: header(req, 'x-goog-upload-header-content-type'),
    headerSize: header(req, 'x-goog-upload-header-content-length'),
  });
  const host = header(req, 'host') ?? url.host;
  sendEmpty(res, {
    'x-goog-upload-url': `http://${host}${url.pathname}?upload_id=${session.id}&upload_protocol=resumable`,
    'x-goog-upload-status': 'active',
  });
}

async function uploadChunk({ req, res, route, context }: Call): Promise<void> {
  const { files, stats } = context;
  const session = files.session(route.target);
  const commands = new Set((header(req, 'x-goog-upload-command') ?? '').split(',').map((word) => word.trim().toLowerCase()));
  const progress = (): Record<string, string> => ({ 'x-goog-upload-status': 'active', 'x-goog-upload-size-received': String(session.receivedBytes) });
  if (commands.has('cancel')) {
    await drainRequest(req);
    await files.cancelUpload(session);
    sendEmpty(res, { 'x-goog-upload-status': 'cancelled' });
    return;
  }
  if (commands.has('query')) {
    await drainRequest(req);
    sendEmpty(res, progress());
    return;
  }
  if (!commands.has('upload') && !commands.has('finalize')) {
    throw invalidArgument('X-Goog-Upload-Command must be upload, finalize, "upload, finalize", query or cancel.');
  }
  if (commands.has('upload')) {
    const offsetHeader = header(req, 'x-goog-upload-offset');
    const offset = offsetHeader === undefined ? session.receivedBytes : Number(offsetHeader);
    stats.recordUploadedBytes(await files.appendChunk(session, offset, req));
  } else {
    await drainRequest(req);
  }
  if (commands.has('finalize')) {
    const record = await files.finalizeUpload(session);
    sendJson(res, 200, { file: toFileResource(record) }, { 'x-goog-upload-status': 'final' });
  } else {
    sendEmpty(res, progress());
  }
}

async function download({ res, url, route, context }: Call): Promise<void> {
  if (url.searchParams.get('alt') !== 'media') throw invalidArgument('Downloads need the query parameter alt=media.');
  const { path, record } = context.files.downloadable(route.target);
  res.writeHead(200, { 'content-type': record.mimeType, 'content-length': record.sizeBytes });
  await pipeline(createReadStream(path), res);
}

const HANDLERS: Record<EndpointName, Handler> = {
  asyncBatchEmbedContent: async ({ req, res, route, context }) =>
    sendJson(res, 200, await context.batches.create('embed', route.target, await readJsonBody(req))),
  batchGenerateContent: async ({ req, res, route, context }) =>
    sendJson(res, 200, await context.batches.create('generate', route.target, await readJsonBody(req))),
  getBatch: async ({ res, route, context }) => sendJson(res, 200, await context.batches.get(route.target)),
  listBatches: async ({ res, url, context }) => {
    const page = await context.batches.list(url.searchParams);
    sendJson(res, 200, listBody('operations', page.items, page.nextPageToken));
  },
  cancelBatch: async ({ req, res, route, context }) => {
    await readJsonBody(req);
    await context.batches.cancel(route.target);
    sendJson(res, 200, {});
  },
  deleteBatch: async ({ req, res, route, context }) => {
    await readJsonBody(req);
    await context.batches.delete(route.target);
    sendJson(res, 200, {});
  },
  uploadStart,
  uploadChunk,
  getFile: async ({ res, route, context }) => sendJson(res, 200, toFileResource(context.files.get(route.target))),
  listFiles: async ({ res, url, context }) => {
    const page = context.files.list(url.searchParams);
    sendJson(res, 200, listBody('files', page.items.map(toFileResource), page.nextPageToken));
  },
  deleteFile: async ({ req, res, route, context }) => {
    await readJsonBody(req);
    await context.files.delete(route.target);
    sendJson(res, 200, {});
  },
  download,
  batchEmbedContents: async ({ req, res, route, context }) =>
    sendJson(res, 200, batchEmbedContents(route.target, await readJsonBody(req), context.stats)),
  embedContent: async ({ req, res, context }) => sendJson(res, 200, embedContent(await readJsonBody(req), context.stats)),
  generateContent: async ({ req, res, route, context }) =>
    sendJson(res, 200, generateAnswer(await readJsonBody(req), route.target, context.faults)),
};
