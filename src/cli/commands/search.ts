import { Option, type Command } from 'commander';
import { highlight, openIndex, type SearchHit, type SearchMode } from '../../search/index.js';
import { isInteractive, printJson, writeLine, type CliIO } from '../io.js';
import { endpointOption, indexOption, integer } from '../options.js';


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
}

const BOLD_YELLOW = '\u001b[1;33m';
const DIM = '\u001b[2m';
const CYAN = '\u001b[36m';
const RESET = '\u001b[0m';

export function searchCommand(program: Command, io: CliIO): Command {
  return program
    .command('search')
    .description('search the index: hybrid (vector + full text, fused with RRF) by default')
    .argument('<query...>', 'what to look for')
    .addOption(indexOption())
    .option('-k, --k <n>', 'number of results', integer('-k', 1, 1000), 10)
    .option('--path <glob>', "only files matching this glob, or below this folder (e.g. 'guides/**/*.md')")
    .option('--where <sql>', "extra SQL predicate over chunk columns (e.g. \"tokens > 100\")")
    .addOption(new Option('--mode <mode>', 'vector, fts (full text) or hybrid (default when a full-text index exists)').choices(['vector', 'fts', 'hybrid']))
    .option('--model <name>', 'check that the index was built with this model')
    .option('--dims <n>', 'check that the index holds vectors of this size', integer('--dims', 1, 3072))
    .addOption(endpointOption())
    .option('--json', 'print the results as JSON')
    .action(async (words: string[], flags: SearchFlags) => {
      const query = words.join(' ');
      const index = await openIndex(flags.index, { backend: { endpoint: flags.endpoint, env: io.env } });
      try {
        const mode = flags.mode ?? ((await index.hasFullTextIndex()) ? 'hybrid' : 'vector');
        const hits = await index.search(query, { k: flags.k, path: flags.path, where: flags.where, mode, model: flags.model, dims: flags.dims });
        if (flags.json) printJson(io, { query, mode, index: flags.index, model: index.meta.model, dims: index.meta.dims, results: hits.map(hitJson) });
        else printHits(io, hits, mode);
      } finally {
        await index.close();
      }
    });
}

function hitJson(hit: SearchHit) {
  return {
    path: hit.path,
    startLine: hit.startLine,
    endLine: hit.endLine,
    headings: hit.headings,
    score: hit.score,
    title: hit.title,
    summary: hit.summary ?? null,
    snippet: hit.snippet.text,
    matches: hit.snippet.matches,
    text: hit.text,
    key: hit.key,
  };
}

function printHits(io: CliIO, hits: SearchHit[], mode: SearchMode): void {
  const color = isInteractive(io);
  const paint = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  if (hits.length === 0) {
    writeLine(io.stdout, 'no results');
    return;
  }
  for (const [rank, hit] of hits.entries()) {
    const where = `${hit.path}:${hit.startLine}-${hit.endLine}`;
    writeLine(io.stdout, `${rank + 1}. ${paint(CYAN, where)}  ${paint(DIM, `${mode} ${hit.score.toFixed(4)}`)}`);
    const trail = hit.headings.length ? hit.headings.join(' › ') : hit.title;
    if (trail) writeLine(io.stdout, `   ${trail}`);
    writeLine(io.stdout, `   ${color ? highlight(hit.snippet, BOLD_YELLOW, RESET) : hit.snippet.text}`);
    if (hit.summary) writeLine(io.stdout, `   ${paint(DIM, `summary: ${hit.summary}`)}`);
    writeLine(io.stdout);
  }
}
