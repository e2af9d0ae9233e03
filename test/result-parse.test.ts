import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNumberArray } from '../src/batch/json-numbers.js';
import { embedKind, generateKind } from '../src/batch/kinds.js';
import { readAhead } from '../src/batch/read-ahead.js';
import { readJsonLines, readLines, readRequestKeys } from '../src/batch/request-file.js';
import { requestLineJson } from '../src/batch/request-line.js';
import { tempDir } from './helpers/fixtures.js';

/** parseNumberArray on `text` (a JSON array), checked value by value against JSON.parse. */
function expectSameAsJsonParse(text: string): void {
  const bytes = Buffer.from(text);
  const parsed = parseNumberArray(bytes, text.indexOf('['));
  const expected = JSON.parse(text) as number[];
  expect(parsed, text).toBeDefined();
  expect(parsed!.close).toBe(text.lastIndexOf(']'));
  expect(parsed!.values.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    // Object.is: -0 must stay -0; fround: the float32 LanceDB stores must be the same too.
    expect(Object.is(parsed!.values[i], expected[i]), `value ${i} of ${text}`).toBe(true);
    expect(Math.fround(parsed!.values[i]!)).toBe(Math.fround(expected[i]!));
  }
}

/** A deterministic stream of pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('parseNumberArray', () => {
  it('reads awkward numbers exactly as JSON.parse does', () => {
    const awkward = [
      '0', '-0', '0.0', '-0.0', '1', '-1', '42', '1234567890', '9007199254740993', '123456789012345678901234567890',
      '0.1', '-0.1', '0.0225209482', '-0.00131946453', '0.000824627117', '1e-7', '-1.23456789e-7', '1E+3', '2.5e-30',
      '1e300', '1e-320', '4.9e-324', '1.7976931348623157e308', '0.30000000000000004', '0.12345678901234567890123',
      '123.456e-5', '5e22', '5e23', '1e-22', '1e-23', '7.038531e-26', '0.000000000000000000000001', '3.4028234663852886e38',
    ];
    for (const number of awkward) expectSameAsJsonParse(`[${number}]`);
    expectSameAsJsonParse(`[${awkward.join(',')}]`);
    expectSameAsJsonParse(`[ ${awkward.join(' ,\t')} \r]`);
  });

  it('reads float32 values printed every way a service might print them', () => {
    const next = random(7);
    const values: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const value = Math.fround((next() - 0.5) * 10 ** Math.floor(next() * 12 - 9));
      values.push(value.toPrecision(9), String(value), value.toExponential(), value.toPrecision(17), value.toFixed(12));
    }
    expectSameAsJsonParse(`[${values.join(',')}]`);
  });

  it('reads an empty array', () => {
    expect(parseNumberArray(Buffer.from('[ ]'), 0)).toEqual({ values: new Float64Array(0), close: 2 });
  });

  it('gives up on anything but numbers', () => {
    for (const text of ['[1,"2"]', '[1,[2]]', '[01]', '[1.]', '[.5]', '[+1]', '[1e]', '[-]', '[1,]', '[1 2]', '[NaN]', '[1,2', '[1,2,']) {
      expect(parseNumberArray(Buffer.from(text), 0), text).toBeUndefined();
    }
  });
});

describe('embedding result lines', () => {
  const parse = (line: string) => embedKind.parseResultLine(Buffer.from(line));
  /** What reading the line with JSON.parse gives, as the fast path must. */
  const slow = (line: string) => {
    const record = JSON.parse(line) as { key?: string };
    return { key: record.key, ...embedKind.parse(record) };
  };
  const expectSame = (line: string) => {
    const fast = parse(line) as { key: string; ok: boolean; value?: ArrayLike<number>; tokens?: number; error?: string };
    const expected = slow(line) as typeof fast;
    expect(fast.key).toBe(expected.key);
    expect(fast.ok).toBe(expected.ok);
    expect(fast.tokens).toBe(expected.tokens);
    expect(fast.error).toBe(expected.error);
    if (expected.value) expect(Array.from(fast.value!)).toEqual(Array.from(expected.value));
  };

  it('reads the values of a line in the emulator and API shape', () => {
    const line = '{"key":"k1","response":{"embedding":{"values":[-0.0225209482,0,1e-7,-0]},"tokenCount":"12"}}';
    const result = parse(line);
    expect(result).toMatchObject({ key: 'k1', ok: true, tokens: 12 });
    expect((result as { value: unknown }).value).toBeInstanceOf(Float64Array);
    expectSame(line);
    expectSame('{ "key" : "k2" , "response" : { "embedding" : { "values" : [ 1.5 , -2 ] } } }');
    expectSame('{"response":{"tokenCount":3,"embedding":{"values":[0.25]}},"key":"k3"}');
  });

  it('falls back to JSON.parse for every other shape, with the same result', () => {
    const lines = [
      // An escape before the values: quotes can no longer be counted.
      '{"key":"a\\"b","response":{"embedding":{"values":[1,2]}}}',
      '{"key":"a\\\\","response":{"embedding":{"values":[1,2]}}}',
      // "values" inside a string, or another field called values before the embedding's.
      '{"key":"\\"values\\":[9]","response":{"embedding":{"values":[1]}}}',
      '{"key":"k","meta":{"values":[7,8]},"response":{"embedding":{"values":[1]}}}',
      '{"key":"k","response":{"embedding":{"values":[1],"values":[2,3]}}}',
      '{"key":"k","response":{"embedding":{"values":[1,"2"]}}}',
      '{"key":"k","response":{"embedding":{"values":[]}}}',
      '{"key":"k","error":{"code":500,"message":"boom","status":"INTERNAL"}}',
      '{"key":"k","response":{}}',
    ];
    for (const line of lines) expectSame(line);
    expect(parse('{"key":"a\\"b","response":{"embedding":{"values":[1,2]}}}')).toMatchObject({ key: 'a"b', ok: true });
  });

  it('passes over lines it cannot match to a request', () => {
    expect(parse('{"response":{"embedding":{"values":[1]}}}')).toBeUndefined();
    expect(parse('{"key":"k","response":{"embedding":{"values":[1,2')).toBeUndefined();
    expect(parse('not json')).toBeUndefined();
    expect(generateKind.parseResultLine(Buffer.from('{"key":"s","error":{"code":400}}'))).toEqual({ key: 's', ok: false, error: '400' });
  });
});

describe('readLines', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  it('splits lines across read chunks, CRLF and a last line without newline included', async () => {
    // Lines of 300 kB cross the 1 MiB read chunks at every position.
    const long = (i: number) => JSON.stringify({ key: `k${i}`, text: 'é'.repeat(150_000 + i) });
    const lines = [long(0), '', long(1), '   ', `${long(2)}\r`, long(3), long(4), long(5), long(6)];
    const path = join(dir.path, 'lines.jsonl');
    await writeFile(path, lines.join('\n'));
    const read: { line: number; text: string }[] = [];
    for await (const { line, bytes } of readLines(path)) read.push({ line, text: bytes.toString('utf8') });
    expect(read.map((entry) => entry.line)).toEqual([1, 3, 5, 6, 7, 8, 9]);
    expect(read.map((entry) => entry.text)).toEqual(lines.filter((line) => line.trim()));
    const keys: unknown[] = [];
    for await (const { value } of readJsonLines(path)) keys.push((value as { key: string }).key);
    expect(keys).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6']);
  });

  it('reads request keys as JSON.parse does, whatever the line looks like', async () => {
    const request = { content: { parts: [{ text: 'a "key": "decoy" \\ é' }] } };
    const keys = ['plain', 'with "quote"', 'back\\slash', 'é ünïcode 😀', 'lone \ud800', 'tab\t', ''];
    const lines = [
      ...keys.map((key) => requestLineJson({ key, request })),
      JSON.stringify({ request, key: 'request first' }),
      `{ "key" : "spaced", "request": {} }`,
      `{"key":"\\u0041scaped","request":{}}`,
    ];
    const path = join(dir.path, 'requests.jsonl');
    await writeFile(path, `${lines.join('\n')}\n\n`);
    const read: string[] = [];
    for await (const key of readRequestKeys(path)) read.push(key);
    expect(read).toEqual(lines.map((line) => (JSON.parse(line) as { key: string }).key));
    expect(read.slice(-3)).toEqual(['request first', 'spaced', 'Ascaped']);

    for (const notRequest of ['{"request":{}}', '{}', '{"key":"unclosed', '{"key":5}', 'null']) {
      await writeFile(path, `${lines[0]}\n${notRequest}\n`);
      await expect(async () => {
        for await (const key of readRequestKeys(path)) expect(key).toBe('plain');
      }, notRequest).rejects.toThrow(/requests\.jsonl:2 is not a request line/);
    }
  });
});

describe('readAhead', () => {
  async function* numbers(count: number, log: string[]): AsyncGenerator<number> {
    try {
      for (let i = 0; i < count; i++) {
        log.push(`made ${i}`);
        yield i;
      }
    } finally {
      log.push('closed');
    }
  }

  it('keeps order and works ahead only up to its limit', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const value of readAhead(numbers(10, log), 3, () => 1)) {
      seen.push(value);
      await new Promise((resolve) => setTimeout(resolve, 1));
      // Never more than the limit made and not yet taken (the one being made counts once taken).
      expect(log.filter((entry) => entry.startsWith('made')).length - seen.length).toBeLessThanOrEqual(4);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log.at(-1)).toBe('closed');
  });

  it('closes the source when the consumer stops early, and passes on its errors', async () => {
    const log: string[] = [];
    for await (const value of readAhead(numbers(100, log), 5, () => 1)) if (value === 2) break;
    expect(log.at(-1)).toBe('closed');
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('read failed');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of readAhead(failing(), 5, () => 1)) seen.push(value);
      })(),
    ).rejects.toThrow('read failed');
    expect(seen).toEqual([1]);
  });
});
