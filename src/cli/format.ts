/** Small formatting helpers shared by the commands' human output. */

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function plural(value: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count(value)} ${value === 1 ? singular : pluralForm}`;
}

export function usd(value: number): string {
  if (value === 0) return '$0';
  return value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

export function seconds(value: number): string {
  return value >= 10 ? `${value.toFixed(0)} s` : `${value.toFixed(1)} s`;
}

/** Rows of label and text, labels padded to one column. */
export function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, text]) => `${label.padEnd(width)}  ${text}`);
}
