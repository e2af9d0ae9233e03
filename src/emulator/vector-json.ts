/**
 * Float32 vectors as JSON text, fast: result files hold tens of thousands of 3072-value vectors.
 * Values get nine significant digits, enough to recover the exact float32 with Math.fround and
 * about as long as what the real API sends.
 */
const ZERO_RUN_LENGTH = 4096;
const ZERO_RUN = ',0'.repeat(ZERO_RUN_LENGTH);
const DIGIT_ZERO = 0x30;
const DECIMAL_POINT = 0x2e;

function formatFloat32(value: number): string {
  const text = value.toPrecision(9);
  if (text.includes('e')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === DIGIT_ZERO) end--;
  if (text.charCodeAt(end - 1) === DECIMAL_POINT) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** `[v0,v1,…]`; runs of zeros (hashed vectors are sparse) are copied from a prepared string. */
export function vectorJsonText(values: Float32Array): string {
  let text = '';
  let i = 0;
  while (i < values.length) {
    if (values[i] === 0) {
      let end = i + 1;
      while (end < values.length && values[end] === 0) end++;
      for (let zeros = end - i; zeros > 0; zeros -= ZERO_RUN_LENGTH) {
        text += ZERO_RUN.slice(0, 2 * Math.min(zeros, ZERO_RUN_LENGTH));
      }
      i = end;
    } else {
      text += `,${formatFloat32(values[i])}`;
      i++;
    }
  }
  return `[${text.slice(1)}]`;
}
