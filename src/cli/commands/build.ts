import type { Command } from 'commander';
import { build, DEFAULT_DIMS, DEFAULT_MODEL, type BuildSummary } from '../../pipeline/build.js';
import { DEFAULT_SUMMARY_MODEL } from '../../summary/index.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { count, plural, seconds, table, usd } from '../format.js';
import { isInteractive, printJson, writeLine, type CliIO } from '../io.js';
import { ProgressView } from '../progress.js';
import { resolve } from 'node:path';
import { endpointOption, indexOption, inputPolicy, integer, positiveNumber, repeatable, resolveIndex } from '../options.js';

interface BuildFlags {
  index: string;
  model: string;
  dims: number;
  input: 'auto' | 'inline' | 'file';
  endpoint?: string;
  include: string[];
  exclude: string[];
  wait: boolean;
  dryRun?: boolean;
  waitLock?: boolean;
  resubmitCancelled?: boolean;
  summaries?: boolean;
  summaryModel: string;
  maxInlineRequests?: number;
  maxInlineBytes?: number;
  maxFileBytes?: number;
  maxRequestsPerJob?: number;
  chunkTokens?: number;
  overlapTokens?: number;
  json?: boolean;
  quiet?: boolean;
}

export function buildCommand(program: Command, io: CliIO, setExit: (code: ExitCode) => void): Command {
  return program
    .command('build')
    .description('index a folder: crawl, chunk, embed new and changed chunks through the Batch API, load into LanceDB')
    .argument('[dir]', 'folder to index', 'corpus')
    .addOption(indexOption())
    .option('--model <name>', 'embedding model', DEFAULT_MODEL)
    .option('--dims <n>', 'output dimensionality (128-3072)', integer('--dims', 128, 3072), DEFAULT_DIMS)
    .addOption(inputPolicy())
    .addOption(endpointOption())
    .option('--include <glob>', 'only files matching this glob (repeatable)', repeatable, [])
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', repeatable, [])
    .option('--no-wait', 'submit the batch jobs and exit; load them later with gbi collect or the next build')
    .option('--dry-run', 'show files, chunks, tokens and cost; submit and write nothing')
    .option('--wait-lock', 'wait for another build holding the index lock instead of failing')
    .option('--resubmit-cancelled', 'embed the chunks of cancelled jobs after all')
    .option('--summaries', 'summarize new and changed documents (JSON summary + keywords) through a generation batch')
    .option('--summary-model <name>', 'model for --summaries', DEFAULT_SUMMARY_MODEL)
    .option('--max-inline-requests <n>', 'inline jobs hold at most this many requests (default 1000)', integer('--max-inline-requests', 1))
    .option('--max-inline-bytes <n>', 'inline jobs stay under this many bytes (default 19000000)', positiveNumber('--max-inline-bytes'))
    .option('--max-file-bytes <n>', 'request files stay under this many bytes (default 1900000000)', positiveNumber('--max-file-bytes'))
    .option('--max-requests-per-job <n>', 'split larger work into more jobs (default 200000)', integer('--max-requests-per-job', 1))
    .option('--chunk-tokens <n>', 'target chunk size in estimated tokens (default 512)', integer('--chunk-tokens', 32, 1500))
    .option('--overlap-tokens <n>', 'overlap between consecutive chunks (default 48)', integer('--overlap-tokens', 0, 512))
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress and no notes; only the summary')
    .action(async (dir: string, flags: BuildFlags) => {
      const view = new ProgressView(io, isInteractive(io) && !flags.json && !flags.quiet, !flags.json && !flags.quiet);
      let summary: BuildSummary;
      try {
        summary = await build({
          root: resolve(io.cwd, dir),
          index: resolveIndex(io.cwd, flags.index),
          model: flags.model,
          dims: flags.dims,
          include: flags.include.length ? flags.include : undefined,
          exclude: flags.exclude,
          wait: flags.wait,
          dryRun: flags.dryRun,
          waitForLock: flags.waitLock,
          resubmitCancelled: flags.resubmitCancelled,
          summaries: flags.summaries,
          summaryModel: flags.summaryModel,
          limits: {
            input: flags.input,
            ...(flags.maxInlineRequests ? { maxInlineRequests: flags.maxInlineRequests } : {}),
            ...(flags.maxInlineBytes ? { maxInlineBytes: flags.maxInlineBytes } : {}),
            ...(flags.maxFileBytes ? { maxFileBytes: flags.maxFileBytes } : {}),
            ...(flags.maxRequestsPerJob ? { maxRequestsPerJob: flags.maxRequestsPerJob } : {}),
          },
          chunker: {
            ...(flags.chunkTokens ? { targetTokens: flags.chunkTokens } : {}),
            ...(flags.overlapTokens !== undefined ? { overlapTokens: flags.overlapTokens } : {}),
          },
          backend: { endpoint: flags.endpoint, env: io.env },
          onEvent: (event) => view.handle(event),
        });
      } finally {
        view.stop();
      }
      if (flags.json) printJson(io, summary);
      else printBuildSummary(io, summary);
      if (summary.chunks.failed > 0 || (summary.summaries?.failed ?? 0) > 0) setExit(EXIT.partial);
    });
}

export function printBuildSummary(io: CliIO, summary: BuildSummary): void {
  const out = io.stdout;
  const { files, chunks } = summary;
  writeLine(out, `${summary.dryRun ? 'gbi build --dry-run' : 'gbi build'}: ${summary.root} → ${summary.index}`);
  const cost = summary.cost
    ? ` (${usd(summary.cost.batchUsd)} at batch price, ${usd(summary.cost.interactiveUsd)} interactive; prices of ${summary.cost.pricesAsOf})`
    : '';
  const rows: [string, string][] = [
    ['backend', summary.backend],
    ['model', `${summary.model}, ${summary.dims} dims`],
    [
      'files',
      `${count(files.seen)} seen: ${count(files.changed)} new or changed, ${count(files.unchanged + files.touched)} unchanged, ` +
        `${count(files.deleted)} deleted, ${count(files.skipped)} skipped`,
    ],
    [
      'chunks',
      `${count(chunks.planned)} in new or changed files, ${count(chunks.reused)} reused, ` +
        `${count(chunks.toEmbed)} ${summary.dryRun ? 'to embed' : 'embedded'}` +
        (summary.dryRun ? '' : `, ${count(chunks.failed)} failed; ${count(chunks.stored)} rows in the index`),
    ],
    ['requests', summary.dryRun ? count(summary.requests) : `${count(summary.requests)} in ${plural(summary.jobs, 'job')}`],
    ['tokens', `~${count(summary.estimatedTokens)} estimated${cost}`],
    ...(summary.summaries
      ? [
          [
            'summaries',
            `${count(summary.summaries.requested)} ${summary.dryRun ? 'to request' : 'requested'} from ${summary.summaries.model} (~${count(summary.summaries.estimatedTokens)} input tokens)` +
              (summary.dryRun ? '' : `, ${count(summary.summaries.stored)} stored, ${count(summary.summaries.failed)} failed`),
          ] as [string, string],
        ]
      : []),
    ['time', seconds(summary.seconds)],
  ];
  for (const line of table(rows)) writeLine(out, `  ${line}`);
  if (summary.pendingJobs > 0) {
    writeLine(out, `  ${plural(summary.pendingJobs, 'job')} still running: see gbi status, load with gbi collect`);
  }
  if (summary.skipped.length > 0) {
    writeLine(out, 'skipped:');
    for (const file of summary.skipped) writeLine(out, `  ${file.path}: ${file.reason}`);
  }
  if (chunks.failed > 0) {
    writeLine(out, `${plural(chunks.failed, 'chunk')} could not be embedded; the next build tries their files again`);
  }
  if (chunks.cancelled > 0) {
    writeLine(out, `${plural(chunks.cancelled, 'chunk')} left out because their job was cancelled; --resubmit-cancelled sends them`);
  }
}

