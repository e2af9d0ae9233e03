/** Reading embedContent and generateContent requests as the REST API accepts them. */
import { DEFAULT_EMBEDDING_DIMS } from './embedder.js';
import { invalidArgument } from './errors.js';
import { isPlainObject } from './proto-json.js';

const MAX_EMBEDDING_DIMS = 3072;

export interface EmbedRequest {
  text: string;
  dims: number;
}

export interface GenerationSettings {
  responseMimeType?: string;
  responseSchema?: unknown;
  responseJsonSchema?: unknown;
  maxOutputTokens?: number;
}

export interface GenerateRequest {
  /** Text of the user turns, in order. */
  userText: string;
  /** Text of the system instruction, empty when there is none. */
  systemText: string;
  generation: GenerationSettings;
}

/** The text of a Content: its text parts joined by newlines. */
function contentText(content: unknown, field: string): string {
  if (!isPlainObject(content) || !Array.isArray(content['parts'])) {
    throw invalidArgument(`${field} must be a Content with a parts array.`);
  }
  const texts = content['parts']
    .filter(isPlainObject)
    .map((part) => part['text'])
    .filter((text): text is string => typeof text === 'string');
  if (texts.length === 0) throw invalidArgument(`${field} must contain at least one text part.`);
  return texts.join('\n');
}

/** An EmbedContentRequest (camelCase). `taskType` and `title` are accepted and ignored. */
export function readEmbedRequest(request: unknown, field = 'request'): EmbedRequest {
  if (!isPlainObject(request)) throw invalidArgument(`${field} must be an EmbedContentRequest object.`);
  const text = contentText(request['content'], `${field}.content`);
  const given = request['outputDimensionality'] ?? DEFAULT_EMBEDDING_DIMS;
  // Proto-JSON also accepts integers written as strings.
  const dims = typeof given === 'string' && /^\d+$/.test(given) ? Number(given) : given;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > MAX_EMBEDDING_DIMS) {
    throw invalidArgument(
      `${field}.outputDimensionality must be an integer between 1 and ${MAX_EMBEDDING_DIMS}, got ${JSON.stringify(given)}.`,
    );
  }
  return { text, dims };
}

/** A GenerateContentRequest (camelCase). */
export function readGenerateRequest(request: unknown, field = 'request'): GenerateRequest {
  if (!isPlainObject(request)) throw invalidArgument(`${field} must be a GenerateContentRequest object.`);
  const contents = request['contents'];
  if (!Array.isArray(contents) || contents.length === 0) {
    throw invalidArgument(`${field}.contents must be a non-empty array of Content.`);
  }
  const userTurns = contents.filter((content) => !isPlainObject(content) || content['role'] !== 'model');
  const userText = userTurns.map((content, i) => contentText(content, `${field}.contents[${i}]`)).join('\n\n');
  const instruction = request['systemInstruction'];
  const systemText = instruction === undefined ? '' : contentText(instruction, `${field}.systemInstruction`);
  return { userText, systemText, generation: readGenerationSettings(request['generationConfig'], field) };
}

function readGenerationSettings(config: unknown, field: string): GenerationSettings {
  if (config === undefined) return {};
  if (!isPlainObject(config)) throw invalidArgument(`${field}.generationConfig must be an object.`);
  const settings: GenerationSettings = {};
  const mimeType = config['responseMimeType'];
  if (typeof mimeType === 'string') settings.responseMimeType = mimeType;
  if (config['responseSchema'] !== undefined) settings.responseSchema = config['responseSchema'];
  if (config['responseJsonSchema'] !== undefined) settings.responseJsonSchema = config['responseJsonSchema'];
  const maxOutputTokens = config['maxOutputTokens'];
  if (typeof maxOutputTokens === 'number' && maxOutputTokens > 0) settings.maxOutputTokens = maxOutputTokens;
  const hasSchema = settings.responseSchema !== undefined || settings.responseJsonSchema !== undefined;
  if (hasSchema && settings.responseMimeType !== 'application/json') {
    throw invalidArgument(`${field}.generationConfig: a response schema requires responseMimeType "application/json".`);
  }
  return settings;
}
