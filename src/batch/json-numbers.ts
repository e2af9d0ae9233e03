/**
 * A JSON array of numbers read straight from bytes into a Float64Array: an embedding result line is
 * thousands of numbers, and JSON.parse would build a JS array of them only for it to be copied.
 * Every value is the double JSON.parse gives for the same text.
 */

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/**
 * Clinger's fast path: a decimal mantissa below 2^53 times or divided by a power of ten up to
 * 10^22 (all exact doubles) is one IEEE operation, so correctly rounded like JSON.parse. 15 digits
 * keep every mantissa below 2^53; longer ones and larger exponents go through Number().
 */
const MAX_EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, exponent) => 10 ** exponent);
const MAX_EXACT_EXPONENT = POWERS_OF_TEN.length - 1;
/** Beyond this an exponent only means 0 or Infinity; capping it keeps the sum exact. */
const EXPONENT_CAP = 100_000;

/** Reused between calls; each result is copied out at its length. */
let scratch = new Float64Array(4096);

export interface NumberArray {
  values: Float64Array;
  /** Index of the closing `]`. */
  close: number;
}

/**
 * Reads the array whose `[` is at `open`. Undefined when it is anything but numbers, commas and
 * whitespace up to `]` (a nested array, a string, a malformed number): the caller parses it another way.
 */
export function parseNumberArray(bytes: Uint8Array, open: number): NumberArray | undefined {
  let i = skipJsonSpace(bytes, open + 1);
  let count = 0;
  if (bytes[i] === CLOSE_BRACKET) return { values: new Float64Array(0), close: i };
  for (;;) {
    const start = i;
    const negative = bytes[i] === MINUS;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let exponent = 0;
    let c = bytes[i];
    if (c === DIGIT_0) {
      c = bytes[++i];
    } else if (c > DIGIT_0 && c <= DIGIT_9) {
      do {
        mantissa = mantissa * 10 + (c - DIGIT_0);
        digits++;
        c = bytes[++i];
      } while (c >= DIGIT_0 && c <= DIGIT_9);
    } else {
      return undefined;
    }
    if (c === DOT) {
      c = bytes[++i];
      if (!(c >= DIGIT_0 && c <= DIGIT_9)) return undefined;
      do {
        mantissa = mantissa * 10 + (c - DIGIT_0);
        // Leading zeros of a fraction (0.000123) do not count against the exact digits.
        if (mantissa !== 0) digits++;
        exponent--;
        c = bytes[++i];
      } while (c >= DIGIT_0 && c <= DIGIT_9);
    }
    if (c === LOWER_E || c === UPPER_E) {
      c = bytes[++i];
      const negativeExponent = c === MINUS;
      if (c === MINUS || c === PLUS) c = bytes[++i];
      if (!(c >= DIGIT_0 && c <= DIGIT_9)) return undefined;
      let written = 0;
      do {
        if (written < EXPONENT_CAP) written = written * 10 + (c - DIGIT_0);
        c = bytes[++i];
      } while (c >= DIGIT_0 && c <= DIGIT_9);
      exponent += negativeExponent ? -written : written;
    }
    let value: number;
    if (digits <= MAX_EXACT_DIGITS && exponent >= -MAX_EXACT_EXPONENT && exponent <= MAX_EXACT_EXPONENT) {
      value = exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent]! : mantissa * POWERS_OF_TEN[exponent]!;
      if (negative) value = -value;
    } else {
      value = Number(String.fromCharCode(...bytes.subarray(start, i)));
    }
    if (count === scratch.length) {
      const grown = new Float64Array(scratch.length * 2);
      grown.set(scratch);
      scratch = grown;
    }
    scratch[count++] = value;
    i = skipJsonSpace(bytes, i);
    if (bytes[i] === COMMA) {
      i = skipJsonSpace(bytes, i + 1);
    } else if (bytes[i] === CLOSE_BRACKET) {
      return { values: scratch.slice(0, count), close: i };
    } else {
      return undefined;
    }
  }
}

/** The index of the first byte from `from` on that is not JSON whitespace (a line holds no newline). */
export function skipJsonSpace(bytes: Uint8Array, from: number): number {
  let i = from;
  for (let c = bytes[i]; c === SPACE || c === TAB || c === CR; c = bytes[++i]);
  return i;
}
