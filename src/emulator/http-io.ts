/** Reading requests and writing Google-style responses with Node's http module. */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiFailure, invalidArgument } from './errors.js';

/** Google rejects request payloads above 20 MiB (the limit for inline batch requests). */
const MAX_JSON_BODY_BYTES = 20 * 1024 * 1024;

const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Reads and parses a JSON body; an empty body reads as `{}` (the SDK sends `{}` or nothing). */
export async function readJsonBody(req: IncomingMessage, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Keep reading past the limit (discarding) so the client gets the error instead of a reset.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) {
    throw invalidArgument(`Request payload size exceeds the limit: ${limit} bytes.`);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`Invalid JSON payload received. ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Consumes whatever is left of a request body so that an early answer does not reset the connection. */
export async function drainRequest(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return;
  req.resume();
  await once(req, 'end').catch(() => undefined);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendEmpty(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, { 'content-length': 0, ...headers });
  res.end();
}

export function sendFailure(res: ServerResponse, failure: ApiFailure): void {
  sendJson(res, failure.httpCode, { error: failure.toErrorObject() });
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
