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
  vectorFromArray,
  type Data,
  type Schema,
} from 'apache-arrow';

/**
 * Rows as one Arrow record batch of `schema`, with every vector copied into one contiguous
 * Float32Array. LanceDB takes this as it is; from plain objects it would infer and convert value by
 * value, which is most of the time a large load spends in JavaScript.
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
    const flat = new Float32Array(rows.length * size);
    values.forEach((vector, index) => {
      const source = vector as ArrayLike<number>;
      if (source.length !== size) throw new Error(`${field.name} of row ${index} has ${source.length} values, not ${size}`);
      flat.set(source, index * size);
    });
    const child = makeData({ type: new Float32(), length: flat.length, nullCount: 0, data: flat });
    return makeData({ type, length: rows.length, nullCount: 0, child });
  }
  if (type instanceof Int32) return makeData({ type, length: rows.length, nullCount: 0, data: Int32Array.from(values as number[]) });
  if (type instanceof Float64) return makeData({ type, length: rows.length, nullCount: 0, data: Float64Array.from(values as number[]) });
  if (DataType.isUtf8(type)) return vectorFromArray(values as string[], new Utf8()).data[0]!;
  throw new Error(`no Arrow conversion for column ${field.name} (${type})`);
}
