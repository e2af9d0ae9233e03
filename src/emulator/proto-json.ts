/**
 * Proto-JSON accepts both `snake_case` and `lowerCamelCase` field names. Requests read from JSONL
 * files use either, so they are normalised to camelCase before use.
 */

/** Fields whose children are user-chosen names (schema properties), not proto field names. */
const USER_KEYED_FIELDS = new Set(['properties', '$defs', 'definitions']);

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const name = snakeToCamel(key);
    out[name] = USER_KEYED_FIELDS.has(name) && isPlainObject(child) ? camelizeValues(child) : camelizeKeys(child);
  }
  return out;
}

function camelizeValues(map: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(map)) out[key] = camelizeKeys(child);
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
