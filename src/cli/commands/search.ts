import { Option, type Command } from 'commander';
import { DEFAULT_K, highlight, openIndex, wrapSnippet, type Ranker, type SearchHit, type SearchMode, type Snippet } from '../../search/index.js';
import { isInteractive, printJson, writeLine, type CliIO } from '../io.js';
import { endpointOption, indexOption, integer, resolveIndex } from '../options.js';

interface SearchFlags {
  index: string;
  k: number;
  path?: string;
  where?: string;
  mode?: SearchMode;
  model?: string;
  dims?: number;
  endpoint?: string;
  json?: boolean;
  docs?: boolean;
}

const BOLD_YELLOW = '\u001b[1;33m';
const DIM = '\u001b[2m';
const CYAN = '\u001b[36m';
const RESET = '\u001b[0m';

const INDENT = '   ';
/** Snippets wrap at the terminal's width, but no wider than this: long lines are hard to read. */
const MAX_LINE = 100;
const RANKER_LABELS: Record<Ranker, string> = { vector: 'vector', fts: 'text' };

export function searchCommand(program: Command, io: CliIO): Command {
  return program
    .command('search')
    .description('search the index: hybrid (vector + full text, fused with RRF) by default')
    .argument('<query...>', 'what to look for')
    .addOption(indexOption())
    .option('-k, --k <n>', 'number of results', integer('-k', 1, 1000), DEFAULT_K)
    .option('--path <glob>', "only files matching this glob, or this file or folder (e.g. 'guides/**/*.md', 'guides')")
    .option('--where <sql>', 'extra SQL predicate over chunk columns (e.g. "tokens > 100")')
    .addOption(
      new Option('--mode <mode>', 'vector, fts (full text) or hybrid (default when a full-text index exists)').choices(['vector', 'fts', 'hybrid']),
    )
    .option('--model <name>', 'refuse to search unless the index was built with this model')
    .option('--dims <n>', 'refuse to search unless the index holds vectors of this size', integer('--dims', 1, 3072))
    .option('--docs', 'rank whole documents by their summaries (index built with --summaries)')
    .addOption(endpointOption())
    .option('--json', 'print the results as JSON')
    .action(async (words: string[], flags: SearchFlags) => {
      const query = words.join(' ');
      const index = await openIndex(resolveIndex(io.cwd, flags.index), { backend: { endpoint: flags.endpoint, env: io.env } });
      try {
        const mode = flags.mode ?? (await index.defaultMode());
        const hits = await index.search(query, { k: flags.k, path: flags.path, where: flags.where, mode, model: flags.model, dims: flags.dims, docs: flags.docs });
        if (flags.json) printJson(io, hits);
        else printHits(io, hits, mode, Boolean(flags.path || flags.where), Boolean(flags.docs));
      } finally {
        await index.close();
      }
    });
}

function printHits(io: CliIO, hits: SearchHit[], mode: SearchMode, filtered: boolean, documents: boolean): void {
  const color = isInteractive(io);
  const paint = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  const width = Math.min(io.stdout.columns ?? MAX_LINE, MAX_LINE) - INDENT.length;
  const writeWrapped = (snippet: Snippet, style?: string) => {
    for (const line of wrapSnippet(snippet, width)) {
      const text = style ? paint(style, line.text) : color ? highlight(line, BOLD_YELLOW, RESET) : line.text;
      writeLine(io.stdout, `${INDENT}${text}`);
    }
  };
  if (hits.length === 0) {
    writeLine(io.stdout, filtered ? 'no results within --path / --where' : 'no results');
    return;
  }
  for (const [index, hit] of hits.entries()) {
    if (documents) {
      // A document hit is its summary: the path, the title, the summary with matches, the keywords.
      writeLine(io.stdout, `${index + 1}. ${paint(CYAN, hit.path)}  ${paint(DIM, scoreLabel(hit, mode))}`);
      if (hit.title) writeLine(io.stdout, `${INDENT}${hit.title}`);
      writeWrapped({ text: hit.snippet, matches: hit.matches });
      if (hit.keywords.length) writeWrapped({ text: `keywords: ${hit.keywords.join(', ')}`, matches: [] }, DIM);
      writeLine(io.stdout);
      continue;
    }
    writeLine(io.stdout, `${index + 1}. ${paint(CYAN, `${hit.path}:${hit.startLine}-${hit.endLine}`)}  ${paint(DIM, scoreLabel(hit, mode))}`);
    const trail = hit.headings.length ? hit.headings.join(' › ') : hit.title;
    if (trail) writeLine(io.stdout, `${INDENT}${trail}`);
    writeWrapped({ text: hit.snippet, matches: hit.matches });
    if (hit.summary) writeWrapped({ text: `summary: ${hit.summary}`, matches: [] }, DIM);
    writeLine(io.stdout);
  }
}

/**
 * A fused score means little as a number (1 = first in both rankings), so hybrid results also say
 * where each ranking put them; a ranking that is not named did not find the chunk.
 */
function scoreLabel(hit: SearchHit, mode: SearchMode): string {
  if (mode === 'vector') return `cosine ${hit.score.toFixed(3)}`;
  if (mode === 'fts') return `bm25 ${hit.score.toFixed(2)}`;
  const ranks = (Object.keys(RANKER_LABELS) as Ranker[])
    .filter((ranker) => hit.ranks[ranker] !== undefined)
    .map((ranker) => `${RANKER_LABELS[ranker]} #${hit.ranks[ranker]}`);
  return `fused ${hit.score.toFixed(2)} (${ranks.join(', ')})`;
}
