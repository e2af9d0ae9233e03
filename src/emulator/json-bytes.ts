/**
 * JSON text written as UTF-8 into a growing buffer: result lines of tens of kilobytes are written
 * once, never concatenated as strings and encoded again.
 */
import { maxVectorJsonBytes, writeVectorJson } from './vector-json.js';

/** UTF-8 takes at most three bytes for one UTF-16 code unit. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

export class JsonBytes {
  length = 0;
  // Not from Node's shared pool, so that bytes() can be transferred to another thread.
  private buffer: Buffer<ArrayBuffer>;

  constructor(capacity = 256) {
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }

  text(value: string): void {
    this.reserve(value.length * MAX_UTF8_BYTES_PER_UNIT);
    this.length += this.buffer.write(value, this.length, 'utf8');
  }

  /** `[v0,v1,…]`, see vector-json.ts. */
  vector(values: Float32Array): void {
    this.reserve(maxVectorJsonBytes(values.length));
    this.length = writeVectorJson(values, this.buffer, this.length);
  }

  /** What was written, as a view of the buffer (its ArrayBuffer can be transferred). */
  bytes(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.length);
  }

  toString(): string {
    return this.buffer.toString('utf8', 0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.length + bytes, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
