/**
 * Float32 vectors as JSON bytes, fast: result files hold tens of thousands of 3072-value vectors.
 * Values get nine significant digits, enough to recover the exact float32 with Math.fround and
 * about as long as what the real API sends. Each value is exactly `toPrecision(9)` without
 * trailing zeros; the usual values are formatted with integer arithmetic.
 */
const DIGIT_ZERO = 0x30;
const DECIMAL_POINT = 0x2e;
const COMMA = 0x2c;
const MINUS = 0x2d;
/** The longest value text, `-0.00000123456789` (toPrecision writes fixed notation down to 1e-6), plus its comma. */
const MAX_VALUE_BYTES = 18;
const SIGNIFICANT_DIGITS = 9;
const TEN_TO_THE_8 = 1e8;
const TEN_TO_THE_9 = 1e9;
/**
 * 10^(8-e) for the exponents e = -1…-4 of the fast path, indexed by -e. A float32 has 24
 * significant bits and 10^12 = 5^12·2^12 with 5^12 < 2^29, so `value * 10^(8-e)` is exact in a double.
 */
const DIGIT_SCALES = [NaN, 1e9, 1e10, 1e11, 1e12];
/** 10^e for the same exponents, indexed by -e. No float32 lies between 10^e and its double. */
const POWERS_OF_TEN = [1, 1e-1, 1e-2, 1e-3, 1e-4];

function formatFloat32(value: number): string {
  const text = value.toPrecision(SIGNIFICANT_DIGITS);
  if (text.includes('e')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === DIGIT_ZERO) end--;
  if (text.charCodeAt(end - 1) === DECIMAL_POINT) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Writes `value` at `at` as formatFloat32 would and returns the end. Magnitudes in [1e-4, 1) (all
 * but a few values of a unit vector) take the integer path: the nine digits are the exactly scaled
 * value rounded half up, as toPrecision rounds.
 */
function writeValue(bytes: Buffer, value: number, at: number): number {
  let magnitude = value;
  let position = at;
  if (value < 0) {
    magnitude = -value;
    bytes[position++] = MINUS;
  }
  if (!(magnitude >= POWERS_OF_TEN[4] && magnitude < 1)) return at + bytes.write(formatFloat32(value), at, 'latin1');
  let negativeExponent = 1;
  while (magnitude < POWERS_OF_TEN[negativeExponent]) negativeExponent++;
  const scaled = magnitude * DIGIT_SCALES[negativeExponent];
  const whole = Math.floor(scaled);
  let digits = (scaled - whole >= 0.5 ? whole + 1 : whole) | 0;
  if (digits === TEN_TO_THE_9) {
    // Rounded up to the next power of ten: one leading zero fewer.
    digits = TEN_TO_THE_8;
    negativeExponent--;
    if (negativeExponent === 0) return at + bytes.write(formatFloat32(value), at, 'latin1');
  }
  let length = SIGNIFICANT_DIGITS;
  while (digits % 10 === 0) {
    digits = (digits / 10) | 0;
    length--;
  }
  bytes[position++] = DIGIT_ZERO;
  bytes[position++] = DECIMAL_POINT;
  for (let zeros = negativeExponent - 1; zeros > 0; zeros--) bytes[position++] = DIGIT_ZERO;
  for (let i = position + length - 1; i >= position; i--) {
    bytes[i] = DIGIT_ZERO + (digits % 10);
    digits = (digits / 10) | 0;
  }
  return position + length;
}

/** The most bytes `[v0,v1,…]` of `length` values can take. */
export function maxVectorJsonBytes(length: number): number {
  return MAX_VALUE_BYTES * length + 2;
}

/** Writes `[v0,v1,…]` at `at` (with room for maxVectorJsonBytes) and returns the end. */
export function writeVectorJson(values: Float32Array, bytes: Buffer, at: number): number {
  let end = at;
  bytes[end++] = 0x5b; // '['
  for (let i = 0; i < values.length; i++) {
    if (i > 0) bytes[end++] = COMMA;
    const value = values[i];
    if (value === 0) bytes[end++] = DIGIT_ZERO;
    else end = writeValue(bytes, value, end);
  }
  bytes[end++] = 0x5d; // ']'
  return end;
}
