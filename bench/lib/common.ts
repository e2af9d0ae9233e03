/** Paths, timing and child-process helpers shared by the benchmarks and the soak. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the project; a child running in a snapshot is told where it is by its parent. */
export const SHARED = process.env.GBI_BENCH_SHARED ?? resolve(REPO, '../shared');
export const DATA = join(SHARED, 'data');
export const K8S = join(DATA, 'kubernetes-enhancements');
export const AWKWARD = join(DATA, 'awkward');
export const RESULTS_DIR = join(REPO, 'bench', 'results');

/**
 * A copy of the code as it is now (src, bench, package.json, tsconfig.json; node_modules linked), so
 * a long run measures one version even while src/ is being edited. Scripts run with `cwd` = the copy.
 */
export async function snapshotTree(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await tempDir('snapshot');
  const skip = (source: string) => !/[/\\]bench[/\\](results|peers[/\\]node_modules)([/\\]|$)/.test(source);
  await cp(join(REPO, 'src'), join(dir.path, 'src'), { recursive: true });
  await cp(join(REPO, 'bench'), join(dir.path, 'bench'), { recursive: true, filter: skip });
  for (const file of ['package.json', 'tsconfig.json']) await cp(join(REPO, file), join(dir.path, file));
  await symlink(join(REPO, 'node_modules'), join(dir.path, 'node_modules'), 'dir');
  if (existsSync(join(REPO, 'bench', 'peers', 'node_modules'))) {
    await symlink(join(REPO, 'bench', 'peers', 'node_modules'), join(dir.path, 'bench', 'peers', 'node_modules'), 'dir');
  }
  return dir;
}

/** Exits 0 with a clear message when the shared corpora are not beside the project. */
export function requireSharedData(what: string, paths: string[] = [K8S, AWKWARD]): void {
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length === 0) return;
  console.log(`${what}: skipped, the shared corpora are not here (${missing.join(', ')} missing).`);
  console.log(`It needs ../shared/data beside the project (see ../shared/README.md); nothing was measured.`);
  process.exit(0);
}

/** An environment with no API key and no endpoint: gbi's default offline backend. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LANCEDB_LOG: 'error', GBI_BENCH_SHARED: SHARED, ...extra };
  for (const name of ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GBI_ENDPOINT', 'GBI_POLL_INITIAL_MS', 'GBI_POLL_MAX_MS', 'GBI_RETRY_INITIAL_MS', 'GBI_EMULATOR_LATENCY_MS']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `gbi-bench-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function now(): number {
  return performance.now();
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function mb(bytes: number): number {
  return round(bytes / 1e6, 1);
}

/** What a figure reports to the runner. */
export interface Figure {
  id: string;
  name: string;
  /** The product's measurement, human readable. */
  measured: string;
  baseline: string;
  /** measured ÷ baseline in the sense of the goal (throughput ratio, time ratio, chunk count…). */
  ratio: number;
  goal: string;
  pass: boolean;
  /** Everything else worth keeping in the JSON. */
  details?: Record<string, unknown>;
}

export interface ChildResult<T> {
  result: T;
  wallMs: number;
  /** Peak resident set size of the child, in bytes (from /usr/bin/time -v when present, else its own report). */
  maxRssBytes?: number;
  stderr: string;
}

const TIME_BIN = '/usr/bin/time';

/**
 * Runs a bench script in a fresh Node process (`node --import tsx`), so figures do not share a heap,
 * LanceDB caches or native threads. The child writes its JSON result to the path passed as argv[2].
 */
export async function runScript<T>(
  script: string,
  args: string[] = [],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; echo?: boolean; timeoutMs?: number } = {},
): Promise<ChildResult<T>> {
  const dir = await tempDir('child');
  const out = join(dir.path, 'result.json');
  const nodeArgs = ['--import', 'tsx', resolve(options.cwd ?? REPO, script), out, ...args];
  const useTime = existsSync(TIME_BIN);
  const command = useTime ? TIME_BIN : process.execPath;
  const commandArgs = useTime ? ['-v', '-o', join(dir.path, 'time.txt'), process.execPath, ...nodeArgs] : nodeArgs;
  const started = now();
  const stderrChunks: Buffer[] = [];
  const code = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(command, commandArgs, {
      cwd: options.cwd ?? REPO,
      env: options.env ?? offlineEnv(),
      stdio: ['ignore', options.echo ? 'inherit' : 'ignore', 'pipe'],
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrChunks.push(chunk);
      if (options.echo) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise(status ?? (signal ? 128 : 1));
    });
  });
  const wallMs = now() - started;
  const stderr = Buffer.concat(stderrChunks).toString('utf8');
  try {
    if (code !== 0) throw new Error(`${script} exited with ${code}:\n${stderr.slice(-4000)}`);
    const result = JSON.parse(await readFile(out, 'utf8')) as T;
    let maxRssBytes: number | undefined;
    if (useTime) {
      const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(await readFile(join(dir.path, 'time.txt'), 'utf8'));
      if (match) maxRssBytes = Number(match[1]) * 1024;
    }
    return { result, wallMs, maxRssBytes, stderr };
  } finally {
    await dir.remove();
  }
}

/** For a script run by runScript: where to write its result. */
export function resultPath(): string {
  const path = process.argv[2];
  if (!path) throw new Error('usage: node --import tsx <script> <result.json> [args…]');
  return path;
}

export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
