/**
 * A local stand-in for the Gemini API (batches, files, embeddings, generateContent) that the
 * real `@google/genai` SDK cannot tell from the real service. Listens on 127.0.0.1 only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchService } from './batches.js';
import { type FaultController, Faults, type FaultSettings } from './faults.js';
import { FileService } from './files.js';
import { JobRunner } from './jobs.js';
import { createRequestHandler } from './server.js';
import { StateStore } from './state.js';
import { type EmulatorStats, StatsRecorder } from './stats.js';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep jobs and files (records and bytes) here so they survive a restart; in memory otherwise. */
  stateDir?: string;
  /** How long each job phase (PENDING, RUNNING) lasts at least, in ms. Default 50. */
  latencyMs?: number;
  /** The only API key accepted; by default any non-empty key is. */
  apiKey?: string;
  /** Seeds every random decision (faults, result order). Default 1. */
  seed?: number;
  faults?: Partial<FaultSettings>;
  /** Receives one line per request and job transition; never the API key. */
  log?: (line: string) => void;
}

export interface EmulatorHandle {
  /** Base URL for the SDK's `httpOptions.baseUrl`, e.g. "http://127.0.0.1:43123". */
  url: string;
  port: number;
  faults: FaultController;
  stats: EmulatorStats;
  /** Stops the server and all jobs (their state is kept with a stateDir). Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_LATENCY_MS = 50;
export const DEFAULT_SEED = 1;

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const port = options.port ?? 0;
  const latencyMs = options.latencyMs ?? DEFAULT_LATENCY_MS;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0-65535, got ${port}`);
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0)) throw new RangeError(`latencyMs must be >= 0, got ${latencyMs}`);
  if (options.apiKey === '') throw new RangeError('apiKey must not be empty (leave it out to accept any key)');
  const seed = options.seed ?? DEFAULT_SEED;
  const log = options.log ?? (() => undefined);

  const store = await StateStore.open(options.stateDir, log);
  const faults = new Faults(seed, options.faults);
  const stats = new StatsRecorder();
  const files = new FileService(store);
  const runner = new JobRunner({ store, files, faults, stats, defaultLatencyMs: latencyMs, seed, log });
  const batches = new BatchService(store, files, runner, faults);
  const server = createServer(createRequestHandler({ batches, files, faults, stats, apiKey: options.apiKey, log }));
  try {
    await listen(server, port);
  } catch (error) {
    await store.close();
    throw error;
  }
  const boundPort = (server.address() as AddressInfo).port;
  batches.resumeUnfinished();
  log(`Gemini API emulator listening on http://127.0.0.1:${boundPort}`);

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    port: boundPort,
    faults,
    stats,
    close: () => {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await runner.stopAll();
        await serverClosed;
        await store.close();
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export { DEFAULT_EMBEDDING_DIMS, EMBEDDER_ID, hashEmbed } from './embedder.js';
export { estimateTokenCount } from './tokens.js';
export type { EmulatorStats, EmbeddingSource } from './stats.js';
export type {
  CallFailure,
  EndpointName,
  FaultController,
  FaultSettings,
  ForcedJobOutcome,
  InjectedHttpStatus,
} from './faults.js';
export { ENDPOINT_NAMES } from './faults.js';
