import type { Command } from 'commander';
import { collect } from '../../pipeline/collect.js';
import { changeJob, listJobs } from '../../pipeline/jobs.js';
import { optimize } from '../../pipeline/optimize.js';
import { status, type StatusReport } from '../../pipeline/status.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { count, plural, seconds, table } from '../format.js';
import { isInteractive, printJson, writeLine, type CliIO } from '../io.js';
import { ProgressView } from '../progress.js';
import { endpointOption, indexOption, resolveIndex } from '../options.js';

interface CommonFlags {
  index: string;
  endpoint?: string;
  json?: boolean;
  waitLock?: boolean;
  quiet?: boolean;
}

/** status, collect, jobs and optimize: the commands that look after an index between builds. */
export function indexCommands(program: Command, io: CliIO, setExit: (code: ExitCode) => void): void {
  const backend = (flags: CommonFlags) => ({ endpoint: flags.endpoint, env: io.env });

  program
    .command('status')
    .description('what the index holds, and the batch jobs still on their way (live state and counts)')
    .addOption(indexOption())
    .addOption(endpointOption())
    .option('--json', 'print the status as JSON')
    .action(async (flags: CommonFlags) => {
      const report = await status({ index: resolveIndex(io.cwd, flags.index), backend: backend(flags) });
      if (flags.json) printJson(io, report);
      else printStatus(io, report);
    });

  program
    .command('collect')
    .description('wait for the jobs a build --no-wait left, and load their results')
    .addOption(indexOption())
    .addOption(endpointOption())
    .option('--no-wait', 'load what has finished and return without waiting for the rest')
    .option('--wait-lock', 'wait for another process holding the index lock instead of failing')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress and no notes')
    .action(async (flags: CommonFlags & { wait: boolean }) => {
      const view = new ProgressView(io, isInteractive(io) && !flags.json && !flags.quiet, !flags.json && !flags.quiet);
      try {
        const summary = await collect({
          index: resolveIndex(io.cwd, flags.index),
          backend: backend(flags),
          wait: flags.wait,
          waitForLock: flags.waitLock,
          onEvent: (event) => view.handle(event),
        });
        view.stop();
        if (flags.json) printJson(io, summary);
        else {
          for (const line of table([
            ['backend', summary.backend],
            ['jobs', `${count(summary.loadedJobs)} loaded, ${count(summary.submittedJobs)} submitted, ${count(summary.pendingJobs)} still running`],
            ['chunks', `${count(summary.stored)} stored, ${count(summary.retried)} retried, ${count(summary.failedChunks)} failed`],
            ['time', seconds(summary.seconds)],
          ]))
            writeLine(io.stdout, `  ${line}`);
        }
        if (summary.failedChunks > 0) setExit(EXIT.partial);
      } finally {
        view.stop();
      }
    });

  const jobs = program.command('jobs').description('the Batch API jobs the service knows: list, cancel, delete');
  jobs
    .command('list')
    .description('list batch jobs, newest first; jobs this index tracks are marked')
    .addOption(indexOption())
    .addOption(endpointOption())
    .option('--json', 'print the jobs as JSON')
    .action(async (flags: CommonFlags) => {
      const list = await listJobs({ index: resolveIndex(io.cwd, flags.index), backend: backend(flags) });
      if (flags.json) printJson(io, list);
      else if (list.length === 0) writeLine(io.stdout, 'no batch jobs');
      else
        for (const job of list) {
          writeLine(io.stdout, `${job.name}  ${job.state.padEnd(9)}  ${job.createTime}  ${job.displayName}${job.ledgerId ? '  (this index)' : ''}`);
        }
    });
  for (const action of ['cancel', 'delete'] as const) {
    jobs
      .command(action)
      .description(action === 'cancel' ? 'cancel a pending or running job (it is not resubmitted)' : 'delete a job resource')
      .argument('<name>', 'the job name, batches/…')
      .addOption(indexOption())
      .addOption(endpointOption())
      .action(async (name: string, flags: CommonFlags) => {
        await changeJob(action, { index: resolveIndex(io.cwd, flags.index), name, backend: backend(flags) });
        writeLine(io.stdout, `${action === 'cancel' ? 'cancelled' : 'deleted'} ${name}`);
      });
  }

  program
    .command('optimize')
    .description('compact the index, fold new rows into its indexes, and prune old versions')
    .addOption(indexOption())
    .option('--wait-lock', 'wait for another process holding the index lock instead of failing')
    .option('--json', 'print the report as JSON')
    .action(async (flags: CommonFlags) => {
      const report = await optimize({ index: resolveIndex(io.cwd, flags.index), waitForLock: flags.waitLock });
      if (flags.json) printJson(io, report);
      else
        writeLine(
          io.stdout,
          `optimized ${flags.index}: ${count(report.rows)} rows, ${report.fragmentsRemoved} fragments compacted into ${report.fragmentsAdded}, ` +
            `${plural(report.versionsPruned, 'old version')} pruned (${count(Math.round(report.bytesPruned / 1024))} KiB), ` +
            `${plural(report.vectorsPruned, 'unused vector')} dropped` +
            (report.createdIndexes.length ? `, created ${report.createdIndexes.join(', ')}` : ''),
        );
    });
}

function printStatus(io: CliIO, report: StatusReport): void {
  if (!report.exists || !report.meta) {
    writeLine(io.stdout, `no gbi index at ${report.index} yet (run gbi build)`);
  } else {
    const rows: [string, string][] = [
      ['index', report.index],
      ['model', `${report.meta.model}, ${report.meta.dims} dims, embedder ${report.meta.embedder}`],
      ['documents', count(report.documents)],
      ['chunks', `${count(report.chunks)} stored, ${count(report.pendingChunks)} waiting for vectors` + (report.cancelledKeys ? `, ${count(report.cancelledKeys)} held back (cancelled job)` : '')],
      ['last build', report.meta.lastBuild ?? 'never'],
    ];
    if (report.lock) rows.push(['lock', `held by process ${report.lock.pid} (${report.lock.command}, since ${report.lock.since})`]);
    for (const line of table(rows)) writeLine(io.stdout, `  ${line}`);
  }
  if (report.jobs.length === 0) {
    writeLine(io.stdout, 'no pending jobs');
    return;
  }
  writeLine(io.stdout, `${plural(report.jobs.length, 'pending job')}:`);
  for (const job of report.jobs) {
    const progress = job.stats
      ? `${count(job.stats.successfulRequestCount)} ok, ${count(job.stats.failedRequestCount)} failed of ${count(job.stats.requestCount || job.requests)}`
      : `${count(job.requests)} requests`;
    writeLine(
      io.stdout,
      `  ${job.name ?? `(not submitted: ${job.step})`}  ${job.kind} ${job.input}  ${(job.state ?? '-').padEnd(9)}  ${progress}` +
        (job.attempt > 1 ? `  attempt ${job.attempt}` : '') +
        (job.error ? `  ${job.error}` : ''),
    );
  }
  if (report.liveError) writeLine(io.stdout, `(live state unavailable: ${report.liveError})`);
}
