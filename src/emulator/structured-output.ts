/**
 * Builds a JSON value that satisfies a response schema, filled from document facts.
 * Accepts Gemini's OpenAPI-style `responseSchema` (type OBJECT/STRING/…, any case) and plain
 * JSON Schema (`responseJsonSchema`, with `type` possibly a list).
 */
import type { DocumentFacts } from './document-facts.js';
import { isPlainObject } from './proto-json.js';

type SchemaType = 'OBJECT' | 'ARRAY' | 'STRING' | 'NUMBER' | 'INTEGER' | 'BOOLEAN' | 'NULL';

const DEFAULT_ARRAY_LENGTH = 5;

export function valueForSchema(schema: unknown, facts: DocumentFacts, fieldName = ''): unknown {
  if (!isPlainObject(schema)) return defaultObject(facts);
  const alternatives = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(alternatives)) {
    const chosen = alternatives.find((option) => isPlainObject(option) && schemaType(option) !== 'NULL');
    return valueForSchema(chosen ?? alternatives[0], facts, fieldName);
  }
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  switch (schemaType(schema)) {
    case 'OBJECT':
      return objectValue(schema, facts);
    case 'ARRAY':
      return arrayValue(schema, facts, fieldName);
    case 'NUMBER':
      return clampNumber(schema, numberFor(fieldName, facts, false));
    case 'INTEGER':
      return Math.round(clampNumber(schema, numberFor(fieldName, facts, true)));
    case 'BOOLEAN':
      return false;
    case 'NULL':
      return null;
    case 'STRING':
      return stringFor(fieldName, facts);
  }
}

/** The answer when JSON is asked for without a schema. */
export function defaultObject(facts: DocumentFacts): Record<string, unknown> {
  return { summary: facts.summary, keywords: facts.keywords };
}

function schemaType(schema: Record<string, unknown>): SchemaType {
  const declared = schema['type'];
  const names = (Array.isArray(declared) ? declared : [declared])
    .filter((name): name is string => typeof name === 'string')
    .map((name) => name.toUpperCase());
  const name = names.find((candidate) => candidate !== 'NULL') ?? names[0];
  if (name === 'OBJECT' || name === 'ARRAY' || name === 'NUMBER' || name === 'INTEGER' || name === 'BOOLEAN' || name === 'NULL') {
    return name;
  }
  if (name === undefined && isPlainObject(schema['properties'])) return 'OBJECT';
  if (name === undefined && schema['items'] !== undefined) return 'ARRAY';
  return 'STRING';
}

function objectValue(schema: Record<string, unknown>, facts: DocumentFacts): Record<string, unknown> {
  const properties = schema['properties'];
  if (!isPlainObject(properties)) return defaultObject(facts);
  const ordering = schema['propertyOrdering'];
  const names = Array.isArray(ordering)
    ? [...ordering.filter((name): name is string => typeof name === 'string' && name in properties), ...Object.keys(properties).filter((name) => !ordering.includes(name))]
    : Object.keys(properties);
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = valueForSchema(properties[name], facts, name);
  return out;
}

function arrayValue(schema: Record<string, unknown>, facts: DocumentFacts, fieldName: string): unknown[] {
  const minItems = numericField(schema, 'minItems') ?? 0;
  const maxItems = numericField(schema, 'maxItems') ?? Number.POSITIVE_INFINITY;
  const items = isPlainObject(schema['items']) ? schema['items'] : { type: 'STRING' };
  const isStringList = schemaType(items) === 'STRING' && !Array.isArray(items['enum']);
  const source = isStringList ? stringListFor(fieldName, facts) : [valueForSchema(items, facts, singular(fieldName))];
  const length = Math.min(maxItems, Math.max(minItems, Math.min(source.length, DEFAULT_ARRAY_LENGTH)));
  return Array.from({ length }, (_, i) =>
    i < source.length ? source[i] : isStringList ? `${singular(fieldName) || 'item'} ${i + 1}` : source[0],
  );
}

function stringListFor(fieldName: string, facts: DocumentFacts): string[] {
  if (/sentence|point|highlight|bullet|summar|takeaway/i.test(fieldName)) return facts.summarySentences;
  return facts.keywords;
}

function stringFor(fieldName: string, facts: DocumentFacts): string {
  if (/title|heading|headline|subject|^name$/i.test(fieldName)) return facts.title;
  if (/keyword|tag|topic|categor|label/i.test(fieldName)) return facts.keywords.join(', ');
  if (/lang/i.test(fieldName)) return facts.language;
  return facts.summary;
}

function numberFor(fieldName: string, facts: DocumentFacts, integer: boolean): number {
  if (/word/i.test(fieldName)) return facts.wordCount;
  if (/sentence/i.test(fieldName)) return facts.sentenceCount;
  if (/score|confidence|relevance|probability|quality/i.test(fieldName)) return integer ? 1 : 0.5;
  return 0;
}

function clampNumber(schema: Record<string, unknown>, value: number): number {
  const minimum = numericField(schema, 'minimum') ?? Number.NEGATIVE_INFINITY;
  const maximum = numericField(schema, 'maximum') ?? Number.POSITIVE_INFINITY;
  return Math.min(maximum, Math.max(minimum, value));
}

/** Proto-JSON writes int64 fields such as maxItems as strings. */
function numericField(schema: Record<string, unknown>, name: string): number | undefined {
  const value = schema[name];
  const parsed = typeof value === 'string' ? Number(value) : value;
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : undefined;
}

function singular(name: string): string {
  return name.replace(/s$/, '');
}
