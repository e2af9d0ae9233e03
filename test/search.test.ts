import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import * as lancedb from '@lancedb/lancedb';
import picomatch from 'picomatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/program.js';
import {
  bestSnippet,
  fuseRankings,
  openIndex,
  pathRegex,
  readableText,
  sameWord,
  weighTerms,
  wrapSnippet,
  type SearchHit,
  type SearchMode,
} from '../src/search/index.js';
import type { BuildSummary } from '../src/pipeline/build.js';
import { offlineEnv, parseJson, runCli } from './helpers/cli.js';
import { tempDir, writeTree } from './helpers/fixtures.js';
import { KNOWN_ANSWERS, QUOTED_PATH, SEARCH_CORPUS } from './helpers/search-corpus.js';

const MODES: readonly SearchMode[] = ['hybrid', 'vector', 'fts'];

describe('gbi search on a corpus with known answers', () => {
  let work: { path: string; remove: () => Promise<void> };
  let index: string;
  let chunkCount: number;

  beforeAll(async () => {
    work = await tempDir();
    index = `${work.path}/index`;
    await writeTree(`${work.path}/corpus`, SEARCH_CORPUS);
    // Small chunks: several per document, so line ranges and heading trails differ between hits.
    // Summaries: shown with each hit, and their own rows (chunk -1) must never come back as chunks.
    const built = await runCli(['build', `${work.path}/corpus`, '--index', index, '--chunk-tokens', '64', '--summaries', '--json']);
    expect(built.code, built.stderr).toBe(0);
    chunkCount = parseJson<BuildSummary>(built).chunks.planned;
  });
  afterAll(() => work.remove());

  const search = (query: string, ...flags: string[]) => runCli(['search', query, '--index', index, ...flags]);
  async function hits(query: string, ...flags: string[]): Promise<SearchHit[]> {
    const result = await search(query, '--json', ...flags);
    expect(result.code, result.stderr).toBe(0);
    return parseJson<SearchHit[]>(result);
  }

  it('finds the document answering each question in the top 3 (hybrid); vector and fts reported', async () => {
    const top3 = new Map<SearchMode, string[]>(MODES.map((mode) => [mode, []]));
    const top1 = new Map<SearchMode, number>(MODES.map((mode) => [mode, 0]));
    for (const { question, path } of KNOWN_ANSWERS) {
      for (const mode of MODES) {
        const paths = (await hits(question, '--mode', mode, '-k', '3')).map((hit) => hit.path);
        if (paths.includes(path)) top3.get(mode)!.push(question);
        if (paths[0] === path) top1.set(mode, top1.get(mode)! + 1);
      }
    }
    const rates = MODES.map((mode) => `${mode} ${top3.get(mode)!.length} (first: ${top1.get(mode)})`);
    console.info(`in the top 3 of ${KNOWN_ANSWERS.length} questions: ${rates.join(', ')}`);
    expect(KNOWN_ANSWERS.length).toBeGreaterThanOrEqual(10);
    expect(top3.get('hybrid')).toEqual(KNOWN_ANSWERS.map((answer) => answer.question));
  });

  it('searches hybrid by default and says where each ranking put a hit', async () => {
    const [best] = await hits('varroa mites in the hive');
    expect(best.path).toBe('garden/beekeeping.md');
    expect(best.ranks).toEqual({ vector: 1, fts: 1 });
    expect(best.score).toBeCloseTo(1, 10);
  });

  it('gives every field with its type in --json', async () => {
    const results = await hits('how do I squash several commits into one', '-k', '3');
    expect(results).toHaveLength(3);
    for (const hit of results) {
      expect(hit).toEqual({
        path: expect.any(String),
        startLine: expect.any(Number),
        endLine: expect.any(Number),
        headings: expect.any(Array),
        score: expect.any(Number),
        ranks: expect.any(Object),
        title: expect.any(String),
        summary: expect.any(String),
        keywords: expect.any(Array),
        snippet: expect.any(String),
        matches: expect.any(Array),
        text: expect.any(String),
        key: expect.any(String),
      });
      expect(Number.isInteger(hit.startLine) && hit.startLine >= 1 && hit.endLine >= hit.startLine).toBe(true);
      for (const heading of hit.headings) expect(typeof heading).toBe('string');
    }
    const [best] = results;
    expect(best.path).toBe('tech/git-rebase.md');
    expect(best.title).toBe('Rewriting history with git rebase');
    expect(best.headings).toEqual(['Rewriting history with git rebase', 'Interactive rebase']);
    // The lines named are the lines the text came from.
    const lines = SEARCH_CORPUS['tech/git-rebase.md'].split('\n').slice(best.startLine - 1, best.endLine).join('\n');
    expect(lines).toContain(best.text.trim().split('\n')[0]);
    const matched = best.matches.map(([start, end]) => best.snippet.slice(start, end).toLowerCase());
    expect(matched).toEqual(expect.arrayContaining(['squash', 'commits']));
    expect(results.map((hit) => hit.score)).toEqual([...results.map((hit) => hit.score)].sort((a, b) => b - a));
  });

  it('prints path:lines, score, heading trail and snippet, highlighting query terms only on a terminal', async () => {
    const question = 'how much melatonin should I take at bedtime';
    const plain = await search(question, '-k', '2');
    expect(plain.code, plain.stderr).toBe(0);
    const lines = plain.stdout.split('\n');
    expect(lines[0]).toMatch(/^1\. travel\/jet-lag\.md:6-10 {2}fused 1\.00 \(vector #1, text #1\)$/);
    expect(lines[1]).toBe('   Beating jet lag › Light and melatonin');
    expect(lines[2]).toMatch(/^ {3}….*melatonin taken at local bedtime/);
    expect(lines.find((line) => line.startsWith('   summary: '))).toContain('jet lag');
    expect(plain.stdout).toMatch(/\n\n2\. \S+:\d+-\d+ {2}fused \d\.\d\d \((vector #\d+)?(, )?(text #\d+)?\)\n/);
    expect(plain.stdout).not.toContain('\u001b[');

    const terminal = await runOnTerminal(['search', question, '--index', index, '-k', '1']);
    expect(terminal).toContain('\u001b[1;33mmelatonin\u001b[0m');
    expect(terminal).not.toContain('\u001b[1;33mhow');
  });

  it('returns -k results, 10 by default, and chunks only', async () => {
    expect(await hits('growing plants in the garden', '-k', '2')).toHaveLength(2);
    expect(await hits('growing plants in the garden')).toHaveLength(10);
    const everything = await hits('growing plants in the garden', '-k', '1000', '--mode', 'vector');
    expect(everything).toHaveLength(chunkCount);
    expect(everything.some((hit) => hit.headings.includes('Summary'))).toBe(false);
  });

  it('keeps to the files a --path glob matches, in every mode', async () => {
    for (const mode of MODES) {
      const results = await hits('how do I water tomatoes and turn compost', '--path', 'garden/*.md', '--mode', mode);
      expect(results.length, mode).toBeGreaterThan(0);
      for (const hit of results) expect(hit.path, mode).toMatch(/^garden\/[^/]+\.md$/);
    }
    const braces = await hits('what to grow and cook', '--path', '{kitchen,garden}/**', '-k', '50');
    expect(new Set(braces.map((hit) => hit.path.split('/')[0]))).toEqual(new Set(['kitchen', 'garden']));
  });

  it('takes a plain --path as a file or a folder, not a prefix', async () => {
    for (const folder of ['kitchen', 'kitchen/']) {
      const results = await hits('what should I cook', '--path', folder, '-k', '50');
      expect(new Set(results.map((hit) => hit.path))).toEqual(new Set(['kitchen/sourdough.md', 'kitchen/espresso.md']));
    }
    const file = await hits('what should I cook', '--path', 'kitchen/espresso.md', '-k', '50');
    expect(new Set(file.map((hit) => hit.path))).toEqual(new Set(['kitchen/espresso.md']));
  });

  it('applies --where to the chunk columns, together with --path', async () => {
    const results = await hits('how do I look after my garden', '--where', 'start_line > 5', '-k', '50');
    expect(results.length).toBeGreaterThan(0);
    for (const hit of results) expect(hit.startLine).toBeGreaterThan(5);
    const both = await hits('feeding and treating', '--where', "heading LIKE '%Varroa%'", '--path', 'garden/**');
    expect(both.map((hit) => hit.headings.at(-1))).toEqual(['Varroa mites']);
  });

  it("finds a file whose name has a quote with --path and with an escaped --where literal", async () => {
    const byPath = await hits('lighthouse keeper foghorn', '--path', QUOTED_PATH);
    expect(byPath.map((hit) => hit.path)).toEqual([QUOTED_PATH]);
    const byWhere = await hits('lighthouse keeper foghorn', '--where', "path = 'it''s here.md'");
    expect(byWhere.map((hit) => hit.path)).toEqual([QUOTED_PATH]);
  });

  it('returns an empty result, and says so, when the filters leave nothing', async () => {
    expect(await hits('sourdough', '--path', 'nowhere/**')).toEqual([]);
    const printed = await search('sourdough', '--path', 'nowhere/**');
    expect(printed.code).toBe(0);
    expect(printed.stdout.trim()).toBe('no results within --path / --where');
  });

  it('refuses a model or dims the index was not built with, exit code 2', async () => {
    const model = await search('espresso', '--model', 'gemini-embedding-2');
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/built with gemini-embedding-001, not gemini-embedding-2; search it with --model gemini-embedding-001/);
    const dims = await search('espresso', '--dims', '1536');
    expect(dims.code).toBe(2);
    expect(dims.stderr).toMatch(/holds 768-dimension vectors, not 1536; search it with --dims 768/);
    expect((await search('espresso', '--model', 'models/gemini-embedding-001', '--dims', '768')).code).toBe(0);
  });

  it('refuses to embed the query with another backend than the index, but full-text search still works', async () => {
    const env = { ...offlineEnv(), GEMINI_API_KEY: 'not-a-real-key' };
    const refused = await runCli(['search', 'espresso crema', '--index', index], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/built with the hash-v1.* embedder, but queries would go to Gemini API.*unset GEMINI_API_KEY/);
    expect(refused.stderr).not.toContain('not-a-real-key');
    const text = await runCli(['search', 'espresso crema', '--index', index, '--mode', 'fts', '--json'], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(parseJson<SearchHit[]>(text)[0].path).toBe('kitchen/espresso.md');
  });

  it('names a bad --where in a usage error, exit code 2', async () => {
    const where = await search('espresso', '--where', 'nosuch = 1');
    expect(where.code).toBe(2);
    expect(where.stderr).toMatch(/--where nosuch = 1 is not a valid filter: .*nosuch/);
    const unterminated = await search('espresso', '--where', "path = 'x");
    expect(unterminated.code).toBe(2);
    expect(unterminated.stderr).toMatch(/--where .* is not a valid filter/);
  });

  it('takes quotes and query syntax in the question as plain words', async () => {
    const [best] = await hits('"drop D" tuning: guitar AND capo?', '--mode', 'fts');
    expect(best.path).toBe('music/guitar-tuning.md');
  });

  it('ranks whole documents by their summaries with --docs', async () => {
    let found = 0;
    for (const { question, path } of KNOWN_ANSWERS) {
      const results = await hits(question, '--docs', '-k', '3');
      expect(results.every((hit) => hit.summary && hit.text === hit.summary)).toBe(true);
      expect(new Set(results.map((hit) => hit.path)).size).toBe(results.length);
      if (results.some((hit) => hit.path === path)) found++;
    }
    console.info(`--docs: ${found} of ${KNOWN_ANSWERS.length} answers in the top 3`);
    expect(found).toBeGreaterThanOrEqual(Math.ceil(KNOWN_ANSWERS.length * 0.8));
    const [best] = await hits('varroa mites in the hive', '--docs');
    expect(best.path).toBe('garden/beekeeping.md');
    expect(best.keywords.length).toBeGreaterThan(0);
    const printed = await search('varroa mites in the hive', '--docs', '-k', '1');
    expect(printed.stdout).toMatch(/^1\. garden\/beekeeping\.md {2}fused/);
    expect(printed.stdout).toContain('keywords: ');
  });

  it('serves the same search through the library API', async () => {
    const opened = await openIndex(index, { backend: { env: offlineEnv() } });
    try {
      const results = await opened.search('how big should my emergency fund be', { k: 3, path: 'money/**' });
      expect(results.map((hit) => hit.path)[0]).toBe('money/budget.md');
      expect(results.every((hit) => hit.path.startsWith('money/'))).toBe(true);
      expect(opened.meta).toMatchObject({ model: 'gemini-embedding-001', dims: 768 });
      await expect(opened.search('  ')).rejects.toThrow(/query is empty/);
    } finally {
      await opened.close();
    }
  });
});

describe('gbi search before a build, and index upkeep', () => {
  let work: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir();
  });
  afterAll(() => work.remove());

  it('says --docs needs an index built with --summaries (exit code 2)', async () => {
    const work = await tempDir();
    await writeTree(`${work.path}/corpus`, { 'a.md': '# A\n\nApples and pears.\n' });
    expect((await runCli(['build', `${work.path}/corpus`, '--index', `${work.path}/index`])).code).toBe(0);
    const result = await runCli(['search', 'apples', '--docs', '--index', `${work.path}/index`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('build it with --summaries');
    await work.remove();
  });

  it('says there is no index yet (exit code 2) and creates nothing', async () => {
    const index = `${work.path}/never-built`;
    const result = await runCli(['search', 'anything', '--index', index]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no gbi index at ${index}; build one first with: gbi build <folder> --index ${index}`);
    expect(existsSync(index)).toBe(false);
  });

  it('has the full-text index cover the rows every build adds, and gbi optimize runs', async () => {
    const corpus = `${work.path}/small`;
    const index = `${work.path}/small-index`;
    const pick = (...paths: string[]) => Object.fromEntries(paths.map((path) => [path, SEARCH_CORPUS[path]]));
    await writeTree(corpus, pick('kitchen/espresso.md', 'tech/ssh-keys.md'));
    expect((await runCli(['build', corpus, '--index', index, '--dims', '128'])).code).toBe(0);
    await writeTree(corpus, pick('garden/beekeeping.md'));
    expect((await runCli(['build', corpus, '--index', index, '--dims', '128'])).code).toBe(0);

    expect(await textIndexStats(index)).toMatchObject({ numUnindexedRows: 0, numIndexedRows: expect.any(Number) });
    const found = parseJson<SearchHit[]>(await runCli(['search', 'varroa', '--index', index, '--mode', 'fts', '--json']));
    expect(found.map((hit) => hit.path)).toContain('garden/beekeeping.md');

    const optimized = await runCli(['optimize', '--index', index, '--json']);
    expect(optimized.code, optimized.stderr).toBe(0);
    expect(await textIndexStats(index)).toMatchObject({ numUnindexedRows: 0 });
  });
});

describe('search building blocks', () => {
  it('turns --path globs into the regular expressions picomatch would match', () => {
    const paths = [
      'README.md', 'a.md', 'b.txt', 'guides/a.md', 'guides/deep/b.md', 'guides/deep/c.txt', 'guidesx/a.md', 'notes/2024-01-x.txt',
      'notes/2024-1-x.txt', 'src/test/a.ts', 'test/b.ts', 'docs/a.mdx', '.hidden/a.md', "it's here.md", 'x/y', 'x/a/b/y', 'a+b (1).md',
    ];
    const globs = [
      'guides/**', 'guides/**/*.md', '**/*.md', '*.md', 'guides/*/b.md', 'notes/2024-??-*.txt', '**/test/**', '**/*.{md,mdx}',
      '{guides,notes}/**', '[ab]*.md', '[^a]*.md', '[!a]*.md', 'x/**/y', 'a+b (*).md', '\\*.md', '**', './guides/*',
    ];
    for (const glob of globs) {
      const ours = new RegExp(pathRegex(glob));
      const theirs = picomatch(glob, { dot: true });
      for (const path of paths) expect(ours.test(path), `${glob} on ${path}`).toBe(theirs(path));
    }
  });

  it('takes a plain --path as that file or folder and what is below it', () => {
    const matches = (pattern: string, path: string) => new RegExp(pathRegex(pattern)).test(path);
    expect(matches('guides', 'guides/a.md')).toBe(true);
    expect(matches('guides/', 'guides/deep/a.md')).toBe(true);
    expect(matches('guides', 'guidesx/a.md')).toBe(false);
    expect(matches("it's here.md", "it's here.md")).toBe(true);
    expect(matches('a.md', 'aXmd')).toBe(false);
  });

  it('fuses rankings by reciprocal rank, 1 meaning first in both', () => {
    const list = (...ids: string[]) => ids.map((id, index) => ({ item: id, score: 10 - index }));
    expect(fuseRankings({ fts: list('a', 'b') }, (id) => id)).toEqual([
      { item: 'a', score: 10, ranks: { fts: 1 } },
      { item: 'b', score: 9, ranks: { fts: 2 } },
    ]);
    const fused = fuseRankings({ vector: list('a', 'b', 'c'), fts: list('b', 'a', 'd') }, (id) => id);
    expect(fused.map((entry) => entry.item)).toEqual(['a', 'b', 'c', 'd']);
    expect(fused[0].score).toBeCloseTo((1 / 61 + 1 / 62) / (2 / 61), 12);
    expect(fused[0].ranks).toEqual({ vector: 1, fts: 2 });
    expect(fused[3].ranks).toEqual({ fts: 3 });
  });

  it('matches inflections of query terms, not other words that share a start', () => {
    expect(['builds', 'building', 'resumed', 'running', 'embedded'].map((word, i) => sameWord(word, ['build', 'build', 'resume', 'run', 'embed'][i]))).toEqual([
      true, true, true, true, true,
    ]);
    expect([sameWord('plant', 'plan'), sameWord('partial', 'part'), sameWord('go', 'gone')]).toEqual([false, false, false]);
  });

  it('shows the window with the rarest query terms, from a sentence start', () => {
    const text = `${'The tool reads files. '.repeat(20)}A binary file is skipped by the tool. ${'More about the tool. '.repeat(20)}`;
    const weights = weighTerms(['tool', 'skip'], [text, 'the tool', 'the tool again']);
    const snippet = bestSnippet(text, weights, 80);
    expect(snippet.text).toMatch(/^….*A binary file is skipped/);
    expect(snippet.matches.map(([start, end]) => snippet.text.slice(start, end))).toContain('skipped');
  });

  it('reads a Markdown chunk as prose, keeping code and globs intact', () => {
    const markdown = '# Title\n## Part\nUse **bold** and `"**/*.md"`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n```sh\n# a comment\n```\n### Next';
    expect(readableText(markdown, { markdown: true, trail: ['Title', 'Part'] })).toBe('Use bold and `"**/*.md"`. a | b; 1 | 2; # a comment Next:');
    expect(readableText('# comment\n**x**', { markdown: false })).toBe('# comment **x**');
  });

  it('wraps a snippet at spaces and keeps each match on its line', () => {
    const lines = wrapSnippet({ text: 'alpha beta gamma delta', matches: [[6, 10], [17, 22]] }, 11);
    expect(lines).toEqual([
      { text: 'alpha beta', matches: [[6, 10]] },
      { text: 'gamma delta', matches: [[6, 11]] },
    ]);
  });
});

async function textIndexStats(index: string) {
  const db = await lancedb.connect(index);
  const table = await db.openTable('chunks');
  try {
    return await table.indexStats('text_idx');
  } finally {
    table.close();
    db.close();
  }
}

/** Runs the CLI with a stdout that says it is a terminal, as a person's shell would. */
async function runOnTerminal(args: string[]): Promise<string> {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  const env = offlineEnv({ TERM: 'xterm-256color' });
  delete env.NO_COLOR;
  const code = await run(args, { stdout, stderr, env, cwd: process.cwd() });
  expect(code).toBe(0);
  return Buffer.concat(out).toString('utf8');
}
