import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { blockTokens } from '../src/chunk/markdown.js';
import {
  chunkDocument,
  chunkKey,
  DEFAULT_CHUNKER_SETTINGS,
  documentTitle,
  estimateTokens,
  fingerprintOf,
  type Chunk,
  type ChunkerSettings,
  type Fingerprint,
} from '../src/chunk/index.js';

const SMALL: ChunkerSettings = { targetTokens: 40, maxTokens: 300, overlapTokens: 0 };

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return (state % 1_000_003) / 1_000_003;
  };
}

const WORDS = (
  'the a chunk index vector batch model token section heading embed store query retry cost file ' +
  'line text build merge plan load job ledger result cluster node pod queue limit window'
).split(' ');

function sentence(next: () => number): string {
  const words = Array.from({ length: 6 + Math.floor(next() * 14) }, () => WORDS[Math.floor(next() * WORDS.length)]);
  return `${words.join(' ')}.`;
}

/** A paragraph of 2-7 sentences wrapped at 78 columns. */
function paragraph(next: () => number): string {
  const text = Array.from({ length: 2 + Math.floor(next() * 6) }, () => sentence(next)).join(' ');
  return text.replace(/(.{1,78})(\s|$)/g, '$1\n').trim();
}

function lines(text: string): string[] {
  return text.split('\n');
}

/** The guarantees every chunk list must keep, whatever the input. */
function expectInvariants(text: string, chunks: Chunk[], settings: ChunkerSettings): void {
  const docLines = lines(text);
  const covered = new Uint8Array(docLines.length);
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.tokens).toBe(estimateTokens(chunk.text));
    expect(chunk.tokens).toBeLessThanOrEqual(settings.maxTokens);
    expect(chunk.text.trim()).not.toBe('');
    expect(chunk.startLine).toBeGreaterThanOrEqual(1);
    expect(chunk.endLine).toBeGreaterThanOrEqual(chunk.startLine);
    const exact = docLines.slice(chunk.startLine - 1, chunk.endLine).join('\n');
    if (chunk.text !== exact) {
      // Only a slice of a single over-long line may differ from its lines.
      expect(chunk.startLine).toBe(chunk.endLine);
      expect(docLines[chunk.startLine - 1]).toContain(chunk.text);
    }
    if (i > 0) expect(chunk.startLine).toBeGreaterThanOrEqual(chunks[i - 1]!.startLine);
    covered.fill(1, chunk.startLine - 1, chunk.endLine);
  });
  // Nothing is lost: every line but a blank one is in some chunk.
  docLines.forEach((line, i) => {
    if (line.trim() !== '') expect(covered[i], `line ${i + 1} is covered`).toBe(1);
  });
}

function chunked(path: string, text: string, settings: ChunkerSettings = SMALL): Chunk[] {
  const chunks = chunkDocument({ path, text }, settings);
  expectInvariants(text, chunks, settings);
  return chunks;
}

const NESTED = `# Guide

The guide explains how the tool turns a folder of documents into an index and keeps it current.

## Install

Install it once per machine; the package ships a command line tool and a library for scripts.

### From npm

Run the package manager with the global flag and check the version it prints afterwards.

### From source

Clone the repository, install the dependencies, build it, and link the binary into your path.

Usage
=====

Point it at a folder; it embeds new and changed chunks only, and deleted files leave the index.

Options
-------

Every option has a default; the index folder holds the catalog, the ledger and the vectors.
`;

const FENCES = `# Setup

Run the script below on a fresh machine before anything else, it prepares the tools.

\`\`\`sh
# install deps
npm ci
# build everything
npm run build
# run the tests
npm test
# publish the package to the registry once everything passes on the main branch
npm publish
\`\`\`

~~~python
# not a heading either
print("hello from a tilde fence with a fairly long line of text in it")
# and another comment line
~~~

The end of the section follows the code, with a sentence or two of explanation.
`;

const FRONT_MATTER = `---
title: "Batch indexing"
tags: [gemini, lancedb]
---

# Indexing with batches

The first paragraph of the document, right after its title, explains what batches are.
`;

const CODE = Array.from(
  { length: 12 },
  (_, i) => `export function step${i}(input: number): number {
  const doubled = input * 2 + ${i};
  return doubled > 100 ? doubled - 100 : doubled;
}`,
).join('\n\n');

describe('estimateTokens', () => {
  it('counts ~4 Latin chars per token, rounding up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hello world')).toBe(3);
    expect(estimateTokens('a'.repeat(400))).toBe(100);
  });

  it('counts one token per CJK, kana or hangul character', () => {
    expect(estimateTokens('日本語のテキスト')).toBe(8);
    expect(estimateTokens('中文文本')).toBe(4);
    expect(estimateTokens('한국어')).toBe(3);
  });

  it('counts punctuation-heavy code and digits higher than prose of the same length', () => {
    const prose = 'this is a plain sentence';
    const code = 'f(x[0]){a.b=c;};return;';
    const digits = '2024-01-15 12:34:56.789';
    expect(code.length).toBeLessThanOrEqual(prose.length);
    expect(estimateTokens(code)).toBeGreaterThanOrEqual(estimateTokens(prose) * 2);
    expect(estimateTokens(digits)).toBeGreaterThanOrEqual(estimateTokens(prose) * 2);
  });

  it('is additive over lines, so chunk sizes computed from lines match', () => {
    const a = 'first line, with punctuation!';
    const b = '第二行 and more';
    const units = (text: string) => estimateTokens(text.repeat(4)); // multiples of 4 chars avoid rounding
    expect(units(`${a}\n${b}`)).toBe(units(a) + units(b) + 1);
  });
});

describe('chunkDocument: Markdown', () => {
  it('starts a chunk at each heading, with the heading trail (ATX nested and setext)', () => {
    const chunks = chunked('docs/guide.md', NESTED);
    expect(chunks.map((c) => c.headings)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Install', 'From npm'],
      ['Guide', 'Install', 'From source'],
      ['Usage'],
      ['Usage', 'Options'],
    ]);
    const headingLines = ['# Guide', '## Install', '### From npm', '### From source', 'Usage', 'Options'];
    chunks.forEach((c, i) => expect(lines(c.text)[0]).toBe(headingLines[i]));
    expect(chunks[4]).toMatchObject({ startLine: 17, endLine: 20 });
  });

  it('merges sections smaller than about half the target, keeping the first content section trail', () => {
    const chunks = chunked('guide.md', NESTED, DEFAULT_CHUNKER_SETTINGS);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.headings).toEqual(['Guide']);
    const headingsOnly = chunked('toc.md', '# Title\n## Summary\n\nOne short paragraph.\n', DEFAULT_CHUNKER_SETTINGS);
    expect(headingsOnly.map((c) => c.headings)).toEqual([['Title', 'Summary']]);
  });

  it('recognises .md, .markdown and .mdx in any case', () => {
    for (const path of ['a.md', 'b.MARKDOWN', 'c.Mdx', 'README.MD']) {
      expect(chunked(path, NESTED).length, path).toBe(6);
    }
  });

  it('never splits a fenced code block and never reads a # line inside it as a heading', () => {
    const chunks = chunked('setup.md', FENCES, { targetTokens: 10, maxTokens: 300, overlapTokens: 8 });
    const docLines = lines(FENCES);
    const fenceRanges = [
      [docLines.indexOf('```sh') + 1, docLines.indexOf('```', docLines.indexOf('```sh') + 1) + 1],
      [docLines.indexOf('~~~python') + 1, docLines.lastIndexOf('~~~') + 1],
    ] as const;
    for (const [open, close] of fenceRanges) {
      const holding = chunks.filter((c) => c.endLine >= open && c.startLine <= close);
      expect(holding).toHaveLength(1);
      expect(holding[0]!.startLine).toBeLessThanOrEqual(open);
      expect(holding[0]!.endLine).toBeGreaterThanOrEqual(close);
    }
    for (const c of chunks) expect(c.headings).toEqual(['Setup']);
  });

  it('splits a fence by lines only when it alone is over maxTokens', () => {
    const body = Array.from({ length: 120 }, (_, i) => `  value_${i} = compute(${i}, "item")`).join('\n');
    const text = `# Big\n\nIntro line.\n\n\`\`\`python\n${body}\n\`\`\`\n\nAfter the fence.\n`;
    const settings = { targetTokens: 100, maxTokens: 200, overlapTokens: 0 };
    expect(estimateTokens(body)).toBeGreaterThan(settings.maxTokens);
    const chunks = chunked('big.md', text, settings);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(estimateTokens(body) / settings.maxTokens));
    for (const c of chunks) expect(c.headings).toEqual(['Big']);
  });

  it('folds front matter into the first chunk instead of making it a chunk', () => {
    const chunks = chunked('fm.md', FRONT_MATTER, { targetTokens: 8, maxTokens: 300, overlapTokens: 0 });
    expect(chunks[0]!.startLine).toBe(1);
    expect(chunks[0]!.text).toContain('title: "Batch indexing"');
    expect(chunks[0]!.text).toContain('The first paragraph');
    expect(chunks[0]!.headings).toEqual(['Indexing with batches']);
    // Without the hand-made cut, the closing --- would turn the YAML into a setext heading.
    for (const c of chunks) expect(c.headings.join(' ')).not.toContain('tags');
  });

  it('adds no overlap across a heading, only inside a section', () => {
    const next = random(7);
    const section = (title: string) =>
      `## ${title}\n\n${Array.from({ length: 8 }, () => paragraph(next)).join('\n\n')}`;
    const text = `${section('One')}\n\n${section('Two')}\n`;
    const settings = { targetTokens: 120, maxTokens: 400, overlapTokens: 40 };
    const chunks = chunked('two.md', text, settings);
    const two = chunks.findIndex((c) => c.text.startsWith('## Two'));
    expect(two).toBeGreaterThan(1);
    expect(chunks[two]!.startLine).toBeGreaterThan(chunks[two - 1]!.endLine);
    const overlapping = chunks.filter((c, i) => i > 0 && c.startLine <= chunks[i - 1]!.endLine);
    expect(overlapping.length).toBeGreaterThan(0);
  });

  it('cuts a single over-long Markdown line by characters', () => {
    const line = 'word '.repeat(3000).trim();
    const chunks = chunked('long.md', `# Long\n\n${line}\n`, { targetTokens: 100, maxTokens: 200, overlapTokens: 20 });
    const slices = chunks.filter((c) => c.startLine === 3);
    expect(slices.length).toBeGreaterThan(10);
    expect(slices.map((c) => c.text).join('')).toBe(line);
  });

  it('keeps link definitions, which leave no block, a multi-line one whole', () => {
    const next = random(5);
    const url = (i: number) => `https://example.com/${'x'.repeat(i * 9)}`;
    const definitions = Array.from({ length: 12 }, (_, i) => `[ref ${i}]:\n    ${url(i)}`);
    // Between blocks and at the end of the document.
    const [middle, end] = [definitions.slice(0, 6).join('\n'), definitions.slice(6).join('\n')];
    const text = `# Links\n\n${paragraph(next)}\n\n${middle}\n\n${paragraph(next)}\n\n${end}\n`;
    const chunks = chunked('links.md', text, { targetTokens: 20, maxTokens: 300, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.text.endsWith(':')).toBe(false);
  });

  it('keeps every line of a block quote or list split into its children', () => {
    const next = random(9);
    const quote = Array.from({ length: 8 }, () => paragraph(next).replace(/^/gm, '> ')).join('\n>\n');
    const settings = { targetTokens: 40, maxTokens: 300, overlapTokens: 0 };
    expect(chunked('quote.md', `${quote}\n`, settings).length).toBeGreaterThan(3);
    // A bare list marker has no child blocks at all.
    chunked('bare.md', '-      \n\n*\t\n', { targetTokens: 1, maxTokens: 8, overlapTokens: 0 });
  });

  it('strips inline Markdown from heading trails', () => {
    const text = [
      '# The `gbi` *tool*',
      '## [Install](https://example.com) it \\*now\\* <em>fast</em>',
      '### ![logo](logo.png) Usage &amp; flags',
      'Two-line\nsetext __title__\n---',
    ]
      .map((heading) => `${heading}\n\nBody text.`)
      .join('\n\n');
    const chunks = chunked('trail.md', text, { targetTokens: 1, maxTokens: 300, overlapTokens: 0 });
    expect(chunks.map((c) => c.headings)).toEqual([
      ['The gbi tool'],
      ['The gbi tool', 'Install it *now* fast'],
      ['The gbi tool', 'Install it *now* fast', 'logo Usage & flags'],
      ['The gbi tool', 'Two-line setext title'],
    ]);
  });

  it('counts lines at LF only, a lone CR staying inside its line', () => {
    const text = '# Title\rstill the title line\n\nfirst paragraph\r\n\r\nsecond paragraph\n';
    const chunks = chunked('cr.md', text, { targetTokens: 2, maxTokens: 100, overlapTokens: 0 });
    expect(chunks.map((c) => [c.startLine, c.endLine, c.headings])).toEqual([
      [1, 3, ['Title still the title line']],
      [5, 5, ['Title still the title line']],
    ]);
  });

  it('returns no chunks for whitespace-only documents', () => {
    for (const text of ['', '\n\n', '   \n\t\n', '\u00a0\n']) {
      expect(chunkDocument({ path: 'a.md', text })).toEqual([]);
      expect(chunkDocument({ path: 'a.txt', text })).toEqual([]);
    }
  });
});

describe('chunkDocument: line-based', () => {
  it('packs whole lines of code and cuts at blank lines between declarations', () => {
    const chunks = chunked('src/steps.ts', CODE, { targetTokens: 60, maxTokens: 300, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    const docLines = lines(CODE);
    for (const c of chunks) {
      expect(c.text.startsWith('export function')).toBe(true);
      expect(c.startLine === 1 || docLines[c.startLine - 2] === '').toBe(true);
      expect(c.headings).toEqual([]);
    }
  });

  it('repeats up to overlapTokens of whole lines from the previous chunk', () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i} says something short`).join('\n');
    const settings = { targetTokens: 60, maxTokens: 200, overlapTokens: 20 };
    const chunks = chunked('notes.txt', text, settings);
    expect(chunks.length).toBeGreaterThan(10);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1]!;
      const current = chunks[i]!;
      expect(current.startLine).toBeLessThanOrEqual(previous.endLine);
      const shared = lines(text).slice(current.startLine - 1, previous.endLine).join('\n');
      expect(estimateTokens(shared)).toBeLessThanOrEqual(settings.overlapTokens);
      expect(previous.text.endsWith(shared) && current.text.startsWith(shared)).toBe(true);
    }
  });

  it('cuts a 300 KB single-line file by characters under the cap', () => {
    const items = Array.from({ length: 7500 }, (_, i) => ({ id: i, name: `item-${i}`, ok: i % 2 === 0 }));
    const json = JSON.stringify(items);
    expect(json.length).toBeGreaterThan(300_000);
    const chunks = chunked('data.min.json', json, DEFAULT_CHUNKER_SETTINGS);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(c).toMatchObject({ startLine: 1, endLine: 1 });
    expect(chunks.map((c) => c.text).join('')).toBe(json);
  });

  it('keeps a surrogate pair together when cutting a line', () => {
    const text = '😀'.repeat(5000);
    const chunks = chunked('emoji.txt', text, { targetTokens: 33, maxTokens: 40, overlapTokens: 0 });
    expect(chunks.map((c) => c.text).join('')).toBe(text);
    for (const c of chunks) expect(c.text.length % 2).toBe(0);
  });

  it('rejects settings it cannot honour', () => {
    const settings = { targetTokens: 10, maxTokens: 0, overlapTokens: 0 };
    expect(() => chunkDocument({ path: 'a.txt', text: 'x' }, settings)).toThrow(RangeError);
  });
});

describe('invariants on mixed documents', () => {
  /** Random mixes of every block construct, including ones over the caps. */
  function mixedDocument(seed: number): string {
    const next = random(seed);
    const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!;
    const makers: Array<() => string> = [
      () => paragraph(next),
      () => `${'#'.repeat(1 + Math.floor(next() * 4))} ${sentence(next)}`,
      () => `${sentence(next)}\n${pick(['===', '---'])}`,
      () => Array.from({ length: 2 + Math.floor(next() * 30) }, () => `- ${sentence(next)}`).join('\n'),
      () =>
        Array.from({ length: 1 + Math.floor(next() * 8) }, (_, i) => `${i + 1}. ${paragraph(next)}`)
          .map((item) => item.replace(/\n/g, '\n   '))
          .join('\n\n'),
      () => paragraph(next).replace(/^/gm, '> '),
      () => ['```', ...Array.from({ length: Math.floor(next() * 150) }, () => `# ${sentence(next)}`), '```'].join('\n'),
      () => `<!--\n${paragraph(next)}\n\n${paragraph(next)}\n-->`,
      () => `| a | b |\n|---|---|\n${Array.from({ length: 20 }, () => `| ${sentence(next)} | 1 |`).join('\n')}`,
      () => '索引と検索のための文書。'.repeat(1 + Math.floor(next() * 300)),
      () => 'x'.repeat(Math.floor(next() * 9000)),
      () => '\u00a0',
    ];
    const front = next() < 0.3 ? '---\ntitle: Mixed\n---\n' : '';
    return front + Array.from({ length: 40 }, () => pick(makers)()).join(pick(['\n\n', '\n', '\n\n\n']));
  }

  it.each([11, 12, 13, 14, 15, 16])('seed %i: Markdown and line-based, small and default settings', (seed) => {
    const text = mixedDocument(seed);
    const tight = { targetTokens: 100, maxTokens: 150, overlapTokens: 30 };
    for (const settings of [SMALL, tight, DEFAULT_CHUNKER_SETTINGS]) {
      for (const path of ['mixed.md', 'mixed.txt']) expect(chunked(path, text, settings).length).toBeGreaterThan(0);
    }
  });
});

describe('stability under edits', () => {
  const settings = DEFAULT_CHUNKER_SETTINGS;
  const fingerprint = fingerprintOf({
    model: 'gemini-embedding-001',
    dims: 768,
    taskType: 'RETRIEVAL_DOCUMENT',
    chunker: settings,
  });

  /** A long document: 9 sections of 40 paragraphs, some with a code fence. */
  function longMarkdown(seed: number): string[] {
    const next = random(seed);
    const blocks = ['# Handbook', paragraph(next)];
    for (let s = 0; s < 9; s++) {
      blocks.push(`## Part ${s}`);
      for (let p = 0; p < 40; p++) {
        blocks.push(paragraph(next));
        if (next() < 0.1) blocks.push('```ts\nconst retries = 3;\n# not a heading\n```');
      }
    }
    return blocks;
  }

  function keys(path: string, text: string): string[] {
    return chunked(path, text, settings).map((c) => chunkKey(fingerprint, c.text));
  }

  /** How many keys one side has that the other has not (the re-embedding cost of the edit). */
  function changedKeys(before: string[], after: string[]): number {
    const had = new Set(before);
    const has = new Set(after);
    return Math.max(after.filter((k) => !had.has(k)).length, before.filter((k) => !has.has(k)).length);
  }

  const positions = (count: number) => Array.from({ length: 8 }, (_, i) => Math.floor(((i + 0.5) * count) / 8));

  it.each([1, 2])('Markdown (seed %i): adding a sentence or a paragraph changes at most 3 chunks', (seed) => {
    const blocks = longMarkdown(seed);
    const before = keys('handbook.md', blocks.join('\n\n'));
    expect(before.length).toBeGreaterThanOrEqual(50);
    for (const at of positions(blocks.length)) {
      const i = blocks.findIndex((b, k) => k >= at && /^[a-z]/.test(b));
      const sentenceAdded = blocks.with(i, `${blocks[i]} An added sentence about retries.`).join('\n\n');
      const paragraphAdded = blocks.toSpliced(i + 1, 0, 'A paragraph inserted in a long section.').join('\n\n');
      expect(changedKeys(before, keys('handbook.md', sentenceAdded)), `sentence at ${i}`).toBeLessThanOrEqual(3);
      expect(changedKeys(before, keys('handbook.md', paragraphAdded)), `paragraph at ${i}`).toBeLessThanOrEqual(3);
    }
  });

  it('plain text: editing or inserting a line changes at most 3 chunks', () => {
    const next = random(3);
    const paragraphs = Array.from({ length: 400 }, () => paragraph(next));
    const text = paragraphs.join('\n\n');
    const before = keys('notes.txt', text);
    expect(before.length).toBeGreaterThanOrEqual(50);
    const textLines = lines(text);
    for (const at of positions(textLines.length)) {
      const edited = textLines.with(at, `${textLines[at]} plus a few more words`).join('\n');
      const inserted = textLines.toSpliced(at, 0, 'an inserted line of text').join('\n');
      expect(changedKeys(before, keys('notes.txt', edited)), `edit at ${at}`).toBeLessThanOrEqual(3);
      expect(changedKeys(before, keys('notes.txt', inserted)), `insert at ${at}`).toBeLessThanOrEqual(3);
    }
  });
});

describe('keys', () => {
  const base: Fingerprint = {
    model: 'gemini-embedding-001',
    dims: 768,
    taskType: 'RETRIEVAL_DOCUMENT',
    chunker: { ...DEFAULT_CHUNKER_SETTINGS },
  };

  it('fingerprint is a short stable hex hash, independent of key order', () => {
    const fp = fingerprintOf(base);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    const reordered: Fingerprint = {
      chunker: { overlapTokens: 48, maxTokens: 1500, targetTokens: 512 },
      taskType: 'RETRIEVAL_DOCUMENT',
      dims: 768,
      model: 'gemini-embedding-001',
    };
    expect(fingerprintOf(reordered)).toBe(fp);
  });

  it('fingerprint changes when any field changes', () => {
    const variants: Fingerprint[] = [
      { ...base, model: 'gemini-embedding-002' },
      { ...base, dims: 3072 },
      { ...base, taskType: 'SEMANTIC_SIMILARITY' },
      { ...base, chunker: { ...base.chunker, targetTokens: 256 } },
      { ...base, chunker: { ...base.chunker, maxTokens: 1000 } },
      { ...base, chunker: { ...base.chunker, overlapTokens: 0 } },
    ];
    const all = [base, ...variants].map(fingerprintOf);
    expect(new Set(all).size).toBe(all.length);
  });

  it('chunk key depends on the fingerprint and the text', () => {
    const key = chunkKey('abc', 'hello');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(chunkKey('abc', 'hello')).toBe(key);
    expect(chunkKey('abd', 'hello')).not.toBe(key);
    expect(chunkKey('abc', 'hello!')).not.toBe(key);
    // The separator keeps (fingerprint, text) pairs apart.
    expect(chunkKey('ab', 'chello')).not.toBe(key);
  });
});

describe('documentTitle', () => {
  it.each([
    ['front matter title wins', 'a.md', FRONT_MATTER, 'Batch indexing'],
    ['unquoted front matter title', 'a.md', '---\ntitle: Plain title # comment\n---\n# Other\n', 'Plain title'],
    ['first ATX H1', 'a.md', 'intro\n\n## Sub\n\n# The `gbi` *tool*\n\n# Second\n', 'The gbi tool'],
    ['setext H1', 'a.markdown', 'Indexer Guide\n=============\n\ntext\n', 'Indexer Guide'],
    ['front matter without a title', 'a.md', '---\ntags: [x]\n---\n# From heading\n', 'From heading'],
    ['a # line in a fence is not an H1', 'a.md', '```\n# not a title\n```\n', undefined],
    ['only H2s', 'a.md', '## Sub\ntext\n', undefined],
    ['not Markdown', 'a.txt', '# Looks like a heading\n', undefined],
  ])('%s', (_, path, text, title) => {
    expect(documentTitle({ path, text })).toBe(title);
  });
});

describe('block parser', () => {
  // gbi's block parser finds line ends its own way (see BlockState); markdown-it as shipped is the reference.
  const reference = new MarkdownIt('commonmark');
  reference.core.ruler.disable(['normalize', 'inline', 'text_join']);
  const shape = (tokens: ReturnType<typeof blockTokens>) =>
    tokens.map(({ type, tag, nesting, level, map, markup, info, content, hidden }) => ({ type, tag, nesting, level, map, markup, info, content, hidden }));

  it.each([
    ['trailing spaces without a newline', '# Title\n\npara\n   '],
    ['trailing tab line', 'a\n\t'],
    ['tabs to the next tab stop', ' \tcode\n  \t\tdeeper\n- item\n\t- nested\n'],
    ['blank lines of spaces', 'a\n  \n\t\nb\n'],
    ['only whitespace', ' \t '],
    ['empty', ''],
    ['no final newline', '> quote\n> more'],
  ])('%s: the same tokens as markdown-it', (_, source) => {
    expect(shape(blockTokens(source))).toEqual(shape(reference.parse(source, {})));
  });

  it('the same tokens as markdown-it on 3,000 random sources', () => {
    const next = random(2026);
    const pieces = [' ', '  ', '\t', '\n', '\n\n', 'text', 'a b', '# ', '## h', '- ', '* ', '1. ', '> ', '```', '~~~', '    ', '===', '---', '|', '<div>', '</div>', '\u00a0', '😀', '[x]: /u'];
    for (let i = 0; i < 3000; i++) {
      let source = '';
      for (let n = 1 + Math.floor(next() * 40); n > 0; n--) source += pieces[Math.floor(next() * pieces.length)];
      expect(shape(blockTokens(source)), JSON.stringify(source)).toEqual(shape(reference.parse(source, {})));
    }
  });
});
