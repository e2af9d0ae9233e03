import { GoogleGenAI } from '@google/genai';
import type { RawAccess } from './batch/index.js';
import { EMBEDDER_ID, startEmulator, type EmulatorHandle } from './emulator/index.js';

export const API_VERSION = 'v1beta';

export interface BackendOptions {
  /** A Gemini-compatible base URL, e.g. a `gbi emulator` started by hand. */
  endpoint?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the in-process emulator keeps its state, so submit and collect work across runs. */
  emulatorStateDir?: string;
  emulatorLatencyMs?: number;
  /** First retry delay for 429 and 5xx answers, in ms (the SDK retries with exponential backoff). */
  retryInitialDelayMs?: number;
  retryAttempts?: number;
}

export interface Backend {
  kind: 'gemini' | 'emulator';
  /** Said at start: where requests go and why. Never holds the key. */
  label: string;
  ai: GoogleGenAI;
  access: RawAccess;
  /** Part of the fingerprint: vectors of different embedders must never share an index. */
  embedder: string;
  close(): Promise<void>;
}

/** The key the in-process emulator and a local `gbi emulator` accept when the user has none. */
const LOCAL_KEY = 'local-emulator-key';

/**
 * A key selects the real Gemini API (GOOGLE_API_KEY wins over GEMINI_API_KEY, as in the SDK);
 * without one, an emulator on 127.0.0.1 is started in this process, or `endpoint` is used.
 */
export async function openBackend(options: BackendOptions = {}): Promise<Backend> {
  const env = options.env ?? process.env;
  const keyVariable = env.GOOGLE_API_KEY ? 'GOOGLE_API_KEY' : env.GEMINI_API_KEY ? 'GEMINI_API_KEY' : undefined;
  const endpoint = options.endpoint ?? env.GBI_ENDPOINT;
  const retry = {
    attempts: options.retryAttempts ?? 6,
    initialDelay: (options.retryInitialDelayMs ?? Number(env.GBI_RETRY_INITIAL_MS ?? 1000)) / 1000,
    maxDelay: 60,
  };
  const client = (baseUrl: string | undefined, apiKey: string) =>
    new GoogleGenAI({ apiKey, apiVersion: API_VERSION, httpOptions: { ...(baseUrl ? { baseUrl } : {}), retryOptions: retry } });

  if (endpoint) {
    const local = isLoopback(endpoint);
    const apiKey = (keyVariable && env[keyVariable]) || LOCAL_KEY;
    return {
      kind: local ? 'emulator' : 'gemini',
      label: `${local ? 'emulator' : 'Gemini-compatible endpoint'} at ${endpoint}`,
      ai: client(endpoint, apiKey),
      access: { baseUrl: endpoint, apiVersion: API_VERSION, apiKey },
      embedder: local ? EMBEDDER_ID : 'gemini',
      close: async () => {},
    };
  }
  if (keyVariable) {
    const apiKey = env[keyVariable]!;
    const baseUrl = 'https://generativelanguage.googleapis.com';
    return {
      kind: 'gemini',
      label: `Gemini API (key from ${keyVariable})`,
      ai: client(undefined, apiKey),
      access: { baseUrl, apiVersion: API_VERSION, apiKey },
      embedder: 'gemini',
      close: async () => {},
    };
  }
  const emulator: EmulatorHandle = await startEmulator({
    port: 0,
    apiKey: LOCAL_KEY,
    stateDir: options.emulatorStateDir,
    latencyMs: options.emulatorLatencyMs ?? Number(env.GBI_EMULATOR_LATENCY_MS ?? 50),
  });
  return {
    kind: 'emulator',
    label: `local emulator at ${emulator.url} (no GEMINI_API_KEY set: offline, lexical hashing embedder)`,
    ai: client(emulator.url, LOCAL_KEY),
    access: { baseUrl: emulator.url, apiVersion: API_VERSION, apiKey: LOCAL_KEY },
    embedder: EMBEDDER_ID,
    close: () => emulator.close(),
  };
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    throw new Error(`--endpoint ${endpoint} is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
}
