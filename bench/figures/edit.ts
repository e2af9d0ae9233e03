/**
 * P4: one-paragraph edits in a ~50-chunk document. The corpus document whose chunk count is nearest
 * 50 is copied alone into a temporary folder and built; then six paragraphs, spread over the
 * document, are edited one at a time (a word changed, a sentence appended, the paragraph rewritten),
 * and after each edit build() runs again. Re-embedded = texts the emulator embedded in that build
 * (its own counter), checked against the build summary's chunks.toEmbed.
 *
 *   node --import tsx bench/figures/edit.ts <result.json> [root]
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DEFAULT_CHUNKER_SETTINGS, chunkDocument } from '../../src/chunk/index.js';
import { readDocument, walkFiles, type FileEntry } from '../../src/crawl/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { build } from '../../src/pipeline/build.js';
import { K8S, type Figure, log, resultPath, tempDir } from '../lib/common.js';

const out = resultPath();
const root = process.argv[3] ?? K8S;
const TARGET_CHUNKS = 50;

/** Markdown files of a size that makes ~50 chunks, chunked to find the nearest to 50. */
async function pickDocument(): Promise<{ entry: FileEntry; chunks: number }> {
  const candidates: FileEntry[] = [];
  for await (const item of walkFiles(root, { include: ['**/*.md'] })) {
    if (item.kind === 'file' && item.entry.size >= 85_000 && item.entry.size <= 125_000) candidates.push(item.entry);
  }
  let best: { entry: FileEntry; chunks: number } | undefined;
  for (const entry of candidates) {
    const result = await readDocument(entry);
    if (result.kind !== 'document') continue;
    const chunks = chunkDocument(result.document, DEFAULT_CHUNKER_SETTINGS).length;
    if (!best || Math.abs(chunks - TARGET_CHUNKS) < Math.abs(best.chunks - TARGET_CHUNKS)) best = { entry, chunks };
  }
  if (!best) throw new Error('no Markdown file of 85-125 KB in the corpus');
  return best;
}

interface Paragraph {
  /** 0-based line numbers, inclusive. */
  start: number;
  end: number;
}

/** Prose paragraphs (outside code fences, not headings, lists, tables, quotes or HTML) of 200+ characters. */
function paragraphs(lines: readonly string[]): Paragraph[] {
  const found: Paragraph[] = [];
  let fence: string | undefined;
  let start = -1;
  const close = (end: number) => {
    if (start >= 0) {
      const text = lines.slice(start, end + 1).join(' ');
      if (text.length >= 200 && /^[A-Za-z]/.test(lines[start]!)) found.push({ start, end });
    }
    start = -1;
  };
  lines.forEach((line, i) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fence) {
      if (marker === fence) fence = undefined;
      return;
    }
    if (marker) {
      close(i - 1);
      fence = marker;
      return;
    }
    if (line.trim() === '' || /^\s*([#>|<]|[-*+]\s|\d+[.)]\s)/.test(line)) {
      close(i - 1);
      return;
    }
    if (start < 0) start = i;
  });
  close(lines.length - 1);
  return found;
}

type EditKind = 'word' | 'sentence' | 'rewrite';

function edit(lines: string[], paragraph: Paragraph, kind: EditKind): void {
  const block = lines.slice(paragraph.start, paragraph.end + 1);
  if (kind === 'word') {
    const line = Math.floor(block.length / 2);
    const words = block[line]!.split(' ');
    const at = words.findIndex((word, i) => i >= words.length / 2 - 1 && /^[A-Za-z]{5,}$/.test(word));
    words[at >= 0 ? at : 0] = 'benchmarked';
    block[line] = words.join(' ');
  } else if (kind === 'sentence') {
    block[block.length - 1] += ' This sentence was added by the gbi benchmark to measure incremental re-embedding.';
  } else {
    // Same words, same line count, a different text: every sentence of the paragraph changes.
    const words = block.join(' ').split(/\s+/).reverse();
    const perLine = Math.ceil(words.length / block.length);
    for (let i = 0; i < block.length; i++) block[i] = words.slice(i * perLine, (i + 1) * perLine).join(' ');
  }
  lines.splice(paragraph.start, block.length, ...block);
}

const work = await tempDir('p4');
const emulator = await startEmulator({ latencyMs: 0 });
try {
  const picked = await pickDocument();
  const folder = join(work.path, 'corpus');
  await mkdir(folder);
  const file = join(folder, basename(picked.entry.path));
  await copyFile(picked.entry.absPath, file);
  const index = join(work.path, 'index');
  const options = { root: folder, index, backend: { endpoint: emulator.url }, poll: { initialMs: 20, maxMs: 200 } };
  const first = await build(options);
  log(`P4: ${picked.entry.path}: ${first.chunks.planned} chunks`);

  const lines = (await readFile(file, 'utf8')).split('\n');
  const candidates = paragraphs(lines);
  const kinds: EditKind[] = ['word', 'sentence', 'rewrite', 'word', 'sentence', 'rewrite'];
  const chosen = kinds.map((_, i) => candidates[Math.floor(((i + 0.5) / kinds.length) * candidates.length)]!);
  const edits: Record<string, unknown>[] = [];
  for (const [i, paragraph] of chosen.entries()) {
    // Later paragraphs first would keep line numbers stable; edits keep the line count, so order is free.
    edit(lines, paragraph, kinds[i]!);
    await writeFile(file, lines.join('\n'));
    const before = emulator.stats.embeddingCount('batch');
    const summary = await build(options);
    const embedded = emulator.stats.embeddingCount('batch') - before;
    edits.push({
      kind: kinds[i],
      lines: `${paragraph.start + 1}-${paragraph.end + 1}`,
      chunksAfter: summary.chunks.planned,
      toEmbed: summary.chunks.toEmbed,
      reembedded: embedded,
      reused: summary.chunks.reused,
    });
    log(`P4 edit ${i + 1} (${kinds[i]}, lines ${paragraph.start + 1}-${paragraph.end + 1}): ${embedded} re-embedded of ${summary.chunks.planned}`);
  }
  const worst = Math.max(...edits.map((entry) => entry.reembedded as number));
  const figure: Figure = {
    id: 'P4',
    name: 'one-paragraph edit in a ~50-chunk document',
    measured: `max ${worst} chunks re-embedded (${edits.map((entry) => entry.reembedded).join(', ')})`,
    baseline: '1 chunk',
    ratio: worst / 1,
    goal: '<= 3 chunks',
    pass: worst <= 3,
    details: {
      document: picked.entry.path,
      chunks: first.chunks.planned,
      paragraphsFound: candidates.length,
      edits,
      method:
        'The corpus Markdown file (85-125 KB) whose chunk count is nearest 50, alone in a folder, built with build() against an in-process ' +
        'emulator; six prose paragraphs at evenly spaced positions edited one after another (word replaced, sentence appended, paragraph ' +
        "rewritten with its words reversed), build() after each. Re-embedded = the emulator's count of texts embedded by that build.",
    },
  };
  await writeFile(out, JSON.stringify(figure));
} finally {
  await emulator.close();
  await work.remove();
}
