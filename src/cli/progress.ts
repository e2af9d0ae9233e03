import cliProgress from 'cli-progress';
import type { BuildEvent } from '../pipeline/build.js';
import type { JobStatus, LedgerEntry } from '../batch/index.js';
import { writeLine, type CliIO } from './io.js';

/**
 * Progress for a person at a terminal: one bar that follows the build through its phases. Off the
 * terminal only one-line notes are written; the final summary says the rest.
 */
export class ProgressView {
  private bar: cliProgress.SingleBar | undefined;
  private readonly jobs = new Map<string, { done: number; total: number; state: string }>();

  constructor(
    private readonly io: CliIO,
    /** Bars need a terminal. */
    private readonly bars: boolean,
    /** One-line notes (the backend, lock waits) go to stderr unless output is data or --quiet. */
    private readonly notes: boolean,
  ) {}

  handle(event: BuildEvent): void {
    switch (event.type) {
      case 'backend':
        this.note(`backend: ${event.label}`);
        return;
      case 'lock-wait':
        this.note(`waiting for the index lock held by process ${event.holder.pid} (${event.holder.command}, since ${event.holder.since})`);
        return;
      case 'lock-takeover':
        this.note(`took over a stale index lock left by process ${event.holder.pid}`);
        return;
      case 'reset':
        this.note(`rebuilding from scratch: ${event.reason}`);
        return;
      case 'reading':
        this.start('reading', event.total);
        return;
      case 'crawled':
        this.bar?.increment();
        return;
      case 'phase':
        // Each phase with a bar starts its own; the others end the one before.
        if (event.phase !== 'plan') this.stop();
        return;
      case 'batch':
        if (event.event.type === 'submitted') this.jobSubmitted(event.event.entry);
        if (event.event.type === 'status') this.jobProgress(event.event.entry, event.event.status);
        return;
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private jobSubmitted(entry: LedgerEntry): void {
    this.jobs.set(entry.id, { done: 0, total: entry.requestCount, state: 'submitted' });
    this.showJobs();
  }

  private jobProgress(entry: LedgerEntry, status: JobStatus): void {
    this.jobs.set(entry.id, {
      done: status.stats.successfulRequestCount + status.stats.failedRequestCount,
      total: status.stats.requestCount || entry.requestCount,
      state: status.state.toLowerCase(),
    });
    this.showJobs();
  }

  /** One bar over every job's requests, started when the first job is known. */
  private showJobs(): void {
    if (!this.bar) this.start('batch jobs', 1);
    let done = 0;
    let all = 0;
    const states = new Map<string, number>();
    for (const job of this.jobs.values()) {
      done += job.done;
      all += job.total;
      states.set(job.state, (states.get(job.state) ?? 0) + 1);
    }
    this.bar?.setTotal(all);
    this.bar?.update(done, { detail: [...states].map(([state, count]) => `${count} ${state}`).join(', ') });
  }

  private start(label: string, total: number): void {
    if (!this.bars) return;
    this.stop();
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(10)} {bar} {value}/{total} {detail}`,
        stream: this.io.stderr as NodeJS.WriteStream,
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { detail: '' });
  }

  private note(line: string): void {
    if (!this.notes) return;
    this.stop();
    writeLine(this.io.stderr, line);
  }
}
