/** Interactive (non-batch) embedding calls: batchEmbedContents and embedContent. */
import { invalidArgument } from './errors.js';
import { camelizeKeys, isPlainObject } from './proto-json.js';
import { readEmbedRequest } from './requests.js';
import { type EmbedContentResponse, embedText } from './results.js';
import type { StatsRecorder } from './stats.js';

/** The server rejects larger batchEmbedContents calls. */
const MAX_EMBED_REQUESTS_PER_CALL = 100;

export interface BatchEmbedContentsResponse {
  embeddings: Array<EmbedContentResponse['embedding']>;
}

export function batchEmbedContents(model: string, body: unknown, stats: StatsRecorder): BatchEmbedContentsResponse {
  const requests = isPlainObject(body) ? body['requests'] : undefined;
  if (!Array.isArray(requests) || requests.length === 0) throw invalidArgument('requests must be a non-empty list.');
  if (requests.length > MAX_EMBED_REQUESTS_PER_CALL) {
    throw invalidArgument(
      `* BatchEmbedContentsRequest.requests: at most ${MAX_EMBED_REQUESTS_PER_CALL} requests can be in one batch (got ${requests.length}).`,
    );
  }
  const parsed = requests.map((request, i) => {
    const field = `requests[${i}]`;
    const camel = camelizeKeys(request);
    if (isPlainObject(camel) && camel['model'] !== undefined && camel['model'] !== model) {
      throw invalidArgument(`${field}.model "${String(camel['model'])}" does not match the model in the URL, "${model}".`);
    }
    return readEmbedRequest(camel, field);
  });
  // Validate every request before embedding any, so a rejected call embeds nothing.
  return { embeddings: parsed.map(({ text, dims }) => embedText(text, dims, stats, 'interactive').toJSON().embedding) };
}

export function embedContent(body: unknown, stats: StatsRecorder): { embedding: EmbedContentResponse['embedding'] } {
  const { text, dims } = readEmbedRequest(camelizeKeys(body), 'body');
  return { embedding: embedText(text, dims, stats, 'interactive').toJSON().embedding };
}
