import {
  type Field,
  type FixedSizeList,
  Float32,
  Float64,
  Int32,
  RecordBatch,
  Struct,
  Table,
  Utf8,
  DataType,
  makeData,
  type Data,
  type Schema,
} from 'apache-arrow';

/**
 * Rows as one Arrow record batch of `schema`, with the vectors in one contiguous Float32Array (the
 * rows' own buffer when they already lie in it one after another, else a copy). LanceDB takes this
 * as it is; from plain objects it would infer and convert value by value, which is most of the
 * time a large load spends in JavaScript.
 */
export function toArrowTable(schema: Schema, rows: readonly Record<string, unknown>[]): Table {
  const children = schema.fields.map((field) => columnData(field, rows));
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new Table(schema, new RecordBatch(schema, data));
}

function columnData(field: Field, rows: readonly Record<string, unknown>[]): Data {
  const type: DataType = field.type;
  const values = rows.map((row) => row[field.name]);
  if (DataType.isFixedSizeList(type)) {
    const size = (type as FixedSizeList).listSize;
    values.forEach((vector, index) => {
      const length = (vector as ArrayLike<number>).length;
      if (length !== size) throw new Error(`${field.name} of row ${index} has ${length} values, not ${size}`);
    });
    const flat = adjacentViews(values, size) ?? copiedVectors(values as ArrayLike<number>[], size);
    const child = makeData({ type: new Float32(), length: flat.length, nullCount: 0, data: flat });
    return makeData({ type, length: rows.length, nullCount: 0, child });
  }
  if (type instanceof Int32) return makeData({ type, length: rows.length, nullCount: 0, data: Int32Array.from(values as number[]) });
  if (type instanceof Float64) return makeData({ type, length: rows.length, nullCount: 0, data: Float64Array.from(values as number[]) });
  if (DataType.isUtf8(type)) return utf8Data(type as Utf8, values as string[]);
  throw new Error(`no Arrow conversion for column ${field.name} (${type})`);
}

/** The vectors as one Float32Array when they already lie one after another in one buffer (as the load's sink writes them). */
function adjacentViews(vectors: readonly unknown[], size: number): Float32Array | undefined {
  const first = vectors[0];
  if (!(first instanceof Float32Array)) return undefined;
  for (let i = 1; i < vectors.length; i++) {
    const vector = vectors[i];
    if (!(vector instanceof Float32Array) || vector.buffer !== first.buffer || vector.byteOffset !== first.byteOffset + i * size * Float32Array.BYTES_PER_ELEMENT) return undefined;
  }
  return new Float32Array(first.buffer, first.byteOffset, vectors.length * size);
}

function copiedVectors(vectors: readonly ArrayLike<number>[], size: number): Float32Array {
  const flat = new Float32Array(vectors.length * size);
  vectors.forEach((vector, index) => flat.set(vector, index * size));
  return flat;
}

/** Encoded by Buffer.write into one buffer: Arrow's builder encodes and grows value by value. */
function utf8Data(type: Utf8, values: readonly string[]): Data<Utf8> {
  const valueOffsets = new Int32Array(values.length + 1);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    bytes += Buffer.byteLength(values[i]!, 'utf8');
    valueOffsets[i + 1] = bytes;
  }
  const data = Buffer.allocUnsafeSlow(bytes);
  for (let i = 0; i < values.length; i++) data.write(values[i]!, valueOffsets[i]!, 'utf8');
  return makeData({ type, length: values.length, nullCount: 0, valueOffsets, data });
}
