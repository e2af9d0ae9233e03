/** P6 data: distinct corpus texts for 100k rows, and two query sets. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import { K8S } from './common.js';
import { corpusTexts } from './load-setup.js';
import { hashEmbed } from '../../src/emulator/index.js';
import type { ChunkRow } from '../../src/store/index.js';

/** Distinct texts at three slice sizes, so rows look like chunks of several granularities. */
export async function rowTexts(count: number): Promise<string[]> {
  const seen = new Set<string>();
  const texts: string[] = [];
  for (const chars of [1_500, 700, 350, 200]) {
    for (const text of await corpusTexts(K8S, count, chars)) {
      if (text.includes('(variant ')) break;
      if (seen.has(text)) continue;
      seen.add(text);
      texts.push(text);
      if (texts.length >= count) return texts;
    }
  }
  for (let i = 0; texts.length < count; i++) texts.push(`${texts[i]}\n\n(variant ${i})`);
  return texts;
}

/** Row `index` as a one-chunk document holding `text` with its offline vector: rows for index and load experiments. */
export function syntheticRow(index: number, text: string, dims: number): ChunkRow {
  return {
    id: `d${index}#0`,
    key: `k${index}`,
    path: `d${index}.md`,
    chunk: 0,
    start_line: 1,
    end_line: 1,
    heading: '',
    text,
    tokens: 1,
    model: 'm',
    doc_hash: 'h',
    vector: hashEmbed(text, dims),
  };
}

/** Short natural queries: Markdown headings of three to eight words, deterministic picks. */
export async function headingQueries(count: number): Promise<string[]> {
  const paths = (await fg('**/*.md', { cwd: K8S })).sort();
  const headings = new Set<string>();
  for (const path of paths) {
    for (const line of (await readFile(join(K8S, path), 'utf8')).split('\n')) {
      const match = /^#{2,4}\s+([A-Za-z][^`*_[\]<>]+)$/.exec(line.trim());
      const words = match?.[1]!.trim().split(/\s+/).length ?? 0;
      if (match && words >= 3 && words <= 8) headings.add(match[1]!.trim());
    }
  }
  const all = [...headings];
  const step = Math.max(1, Math.floor(all.length / count));
  return all.filter((_, i) => i % step === 0).slice(0, count);
}

/** Longer queries: one prose sentence of 12-30 words from every so many corpus paragraphs. */
export async function sentenceQueries(count: number): Promise<string[]> {
  const paths = (await fg('**/*.md', { cwd: K8S })).sort();
  const sentences: string[] = [];
  for (const path of paths) {
    for (const paragraph of (await readFile(join(K8S, path), 'utf8')).split(/\n{2,}/)) {
      if (!/^[A-Z]/.test(paragraph)) continue;
      const sentence = paragraph.replace(/\s+/g, ' ').split(/(?<=\.)\s/)[0]!;
      const words = sentence.split(' ').length;
      if (words >= 12 && words <= 30 && !/[`<>|]/.test(sentence)) sentences.push(sentence);
    }
  }
  const step = Math.max(1, Math.floor(sentences.length / count));
  return sentences.filter((_, i) => i % step === 0).slice(0, count);
}
