/** Where a job's results go: a shuffled JSONL result file, or the inline responses list. */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { shuffleInPlace } from './hashing.js';
import { JsonBytes } from './json-bytes.js';
import { type InputItem, type ItemOutcome, writeResultLine } from './results.js';
import type { InlineResponse } from './state.js';

export interface ResultSink {
  add(item: InputItem, outcome: ItemOutcome): Promise<void>;
  /** All results were added: finish writing. */
  finish(): Promise<void>;
  /** The job will not succeed: remove whatever was written. */
  discard(): Promise<void>;
}

/**
 * Line order of real result files is arbitrary, so results are shuffled. Only a window of lines
 * is shuffled at a time, which keeps memory bounded for result files of any size.
 */
const SHUFFLE_WINDOW_LINES = 4096;
const SHUFFLE_WINDOW_BYTES = 16 * 1024 * 1024;

const LINE_BREAK = new Uint8Array([0x0a]);

/**
 * Result lines `{"key":…,"response":…}` / `{"key":…,"error":…}` in shuffled order, as UTF-8 bytes
 * (workers hand over encoded lines). The file's sha256 is computed on the way out.
 */
export class ShuffledJsonlSink implements ResultSink {
  private readonly stream: WriteStream;
  private readonly hash = createHash('sha256');
  private digest: string | undefined;
  private window: Uint8Array[] = [];
  private windowBytes = 0;
  private streamError: Error | undefined;

  constructor(
    private readonly path: string,
    private readonly random: () => number,
  ) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => {
      this.streamError = error;
    });
  }

  async add(item: InputItem, outcome: ItemOutcome): Promise<void> {
    const line = new JsonBytes();
    writeResultLine(line, item.key, outcome);
    await this.addLine(line.bytes());
  }

  /** A result line already encoded (without its line break). */
  async addLine(line: Uint8Array): Promise<void> {
    this.window.push(line);
    this.windowBytes += line.length;
    if (this.window.length >= SHUFFLE_WINDOW_LINES || this.windowBytes >= SHUFFLE_WINDOW_BYTES) await this.flushWindow();
  }

  async finish(): Promise<void> {
    await this.flushWindow();
    this.stream.end();
    await once(this.stream, 'finish');
    this.throwIfFailed();
    this.digest = this.hash.digest('hex');
  }

  /** The file's sha256 (hex), once finished. */
  sha256Hex(): string {
    if (this.digest === undefined) throw new Error('the result file is not finished');
    return this.digest;
  }

  async discard(): Promise<void> {
    this.window = [];
    this.stream.destroy();
    await rm(this.path, { force: true });
  }

  private async flushWindow(): Promise<void> {
    this.throwIfFailed();
    if (this.window.length === 0) return;
    shuffleInPlace(this.window, this.random);
    const lines = this.window;
    this.window = [];
    this.windowBytes = 0;
    // Written as they are (one writev), not copied into one big buffer first.
    let belowHighWaterMark = true;
    this.stream.cork();
    for (const line of lines) {
      this.hash.update(line);
      this.hash.update(LINE_BREAK);
      this.stream.write(line);
      belowHighWaterMark = this.stream.write(LINE_BREAK);
    }
    this.stream.uncork();
    if (!belowHighWaterMark) await once(this.stream, 'drain');
  }

  private throwIfFailed(): void {
    if (this.streamError) throw this.streamError;
  }
}

/** Inline responses, in request order, each carrying its request's metadata. */
export class InlineResponsesSink implements ResultSink {
  readonly responses: InlineResponse[] = [];

  constructor(private readonly path: string) {}

  async add(item: InputItem, outcome: ItemOutcome): Promise<void> {
    const response: InlineResponse = outcome.error ? { error: outcome.error } : { response: outcome.response };
    if (item.metadata !== undefined) response.metadata = item.metadata;
    this.responses.push(response);
  }

  async finish(): Promise<void> {
    await writeFile(this.path, JSON.stringify(this.responses));
  }

  async discard(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
