/**
 * npm run soak: a bounded fault soak of `gbi build`.
 *
 * An emulator runs in this process with 5 % per-request errors, forced FAILED and EXPIRED jobs and
 * 429 bursts on the endpoints gbi calls. The build runs as a child process
 * (`node --import tsx src/cli/main.ts build … --endpoint <emulator>`) and is SIGKILLed at 20 or
 * more random moments, with the corpus edited between runs (appends, new files, renames, deleting
 * a note the soak wrote); then it is run to completion. The final index must be exact:
 *  - every row's vector equals hashEmbed(text, dims) (Float32 rounding, L2 normalisation),
 *  - no duplicate ids, and the row set (id, key, text, lines) and catalog equal a clean build's of the
 *    same final corpus,
 *  - the emulator embedded no text successfully more than once (textsEmbeddedMoreThanOnce('batch'):
 *    it counts successful embeddings only, so retries of failed requests do not count),
 *  - no jobs or pending rows left behind.
 * Evidence (seed, kill moments, what the ledger held at each kill, diffs) goes to bench/results/.
 *
 *   npm run soak [-- --seed N --kills 24]
 */
import { spawn } from 'node:child_process';
import { chmod, cp, readdir, readFile, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { createRandom } from '../src/emulator/hashing.js';
import { hashEmbed, startEmulator, type EndpointName } from '../src/emulator/index.js';
import { K8S, RESULTS_DIR, log, median, now, offlineEnv, requireSharedData, round, snapshotTree, tempDir } from './lib/common.js';
import type { ChunkRow } from '../src/store/index.js';

requireSharedData('npm run soak', [K8S]);

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
}

const SEED = Number(argValue('seed') ?? Math.floor(Math.random() * 1_000_000));
const KILLS = Number(argValue('kills') ?? 24);
const DIMS = 256;
const MAX_REQUESTS_PER_JOB = 120;
const BUDGET_MS = 4 * 60_000;
const SUBSET = ['keps/sig-autoscaling', 'keps/sig-release', 'keps/sig-architecture'];
const random = createRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const soakStarted = now();
// The builds run a copy of the code as it is now, so edits to src/ during the soak do not mix in.
const snapshot = await snapshotTree();
const work = await tempDir('soak');
const corpus = join(work.path, 'corpus');
const index = join(work.path, 'index');

async function makeWritable(path: string): Promise<void> {
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isSymbolicLink()) continue;
    await chmod(full, entry.isDirectory() ? 0o755 : 0o644);
    if (entry.isDirectory()) await makeWritable(full);
  }
}

async function markdownFiles(path: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await markdownFiles(join(path, entry.name), relative)));
    else if (entry.isFile() && entry.name.endsWith('.md') && (await stat(join(path, entry.name))).size > 2_000) found.push(relative);
  }
  return found.sort();
}

for (const folder of SUBSET) await cp(join(K8S, folder), join(corpus, folder), { recursive: true, verbatimSymlinks: true });
await makeWritable(corpus);

const emulator = await startEmulator({ latencyMs: 150, seed: SEED, faults: { requestErrorRate: 0.05 } });
const BURST_ENDPOINTS: EndpointName[] = ['getBatch', 'asyncBatchEmbedContent', 'uploadStart', 'uploadChunk', 'download', 'listBatches'];
const injected = { forcedFailed: 0, forcedExpired: 0, bursts: 0, burstCalls: 0, edits: [] as string[] };

function injectBurst(): void {
  const endpoint = pick(BURST_ENDPOINTS);
  const count = 2 + Math.floor(random() * 4);
  emulator.faults.failNextCalls(endpoint, count, 429);
  injected.bursts++;
  injected.burstCalls += count;
}

function injectJobFaults(): void {
  if (random() < 0.45) {
    const outcome = random() < 0.5 ? 'FAILED' : 'EXPIRED';
    const count = 1 + Math.floor(random() * 2);
    emulator.faults.failNextJobs(count, outcome);
    if (outcome === 'FAILED') injected.forcedFailed += count;
    else injected.forcedExpired += count;
  }
  if (random() < 0.6) injectBurst();
}

let editCount = 0;
/** Every version of every Markdown file the soak saw or wrote, to name a text the emulator embedded twice. */
const versions: { path: string; version: number; text: string }[] = [];
function remember(path: string, text: string): void {
  versions.push({ path, version: versions.filter((entry) => entry.path === path).length, text });
}
for (const file of await markdownFiles(corpus)) remember(file, await readFile(join(corpus, file), 'utf8'));

/**
 * Edits that only ever create new texts (appends, a new file), plus now and then a rename and a
 * deletion, so a text embedded twice is always gbi's doing. Every cycle gets fresh work this way.
 */
async function editCorpus(cycle: number): Promise<void> {
  const files = await markdownFiles(corpus);
  editCount++;
  for (let i = 0; i < 6; i++) {
    const file = pick(files);
    const text = `${await readFile(join(corpus, file), 'utf8')}\n\nSoak edit ${editCount}.${i}: appended by the gbi soak with seed ${SEED} to force a changed chunk.\n`;
    await writeFile(join(corpus, file), text);
    remember(file, text);
    injected.edits.push(`append ${file}`);
  }
  if (cycle % 3 === 0) {
    const added = `keps/soak-notes/note-${editCount}.md`;
    await mkdir(join(corpus, 'keps/soak-notes'), { recursive: true });
    const text = `# Soak note ${editCount}\n\nA new document written by the soak (seed ${SEED}, edit ${editCount}); its text appears nowhere else.\n`;
    await writeFile(join(corpus, added), text);
    remember(added, text);
    injected.edits.push(`add ${added}`);
  }
  if (cycle % 5 === 0) {
    const renamed = pick(files);
    await rename(join(corpus, renamed), join(corpus, `${renamed.replace(/\.md$/, '')}-renamed-${editCount}.md`));
    injected.edits.push(`rename ${renamed}`);
  }
  if (cycle % 7 === 0) {
    // Only a note the soak wrote: a deleted KEP would take template texts (shared by many KEPs under
    // other titles) out of the clean build, and the emulator counts embeddings by text, not by key.
    const notes = (await markdownFiles(corpus)).filter((file) => file.includes('soak-notes'));
    if (notes.length) {
      const removed = pick(notes);
      await rm(join(corpus, removed));
      injected.edits.push(`delete ${removed}`);
    }
  }
}

interface Run {
  run: number;
  killAtMs?: number;
  exitedAtMs: number;
  killed: boolean;
  code: number | null;
  /** What the state folder held right after the process ended. */
  ledger?: string;
  pendingRows?: number;
  summary?: { requests: number; jobs: number; failed: number; pendingJobs: number; stored: number; toEmbed: number };
  stderrTail?: string;
}

async function stateAfter(): Promise<{ ledger: string; pendingRows: number }> {
  let ledger = 'none';
  try {
    const data = JSON.parse(await readFile(join(index, '.gbi', 'ledger.json'), 'utf8')) as { jobs: { step: string; state?: string }[] };
    const steps = new Map<string, number>();
    for (const job of data.jobs) steps.set(job.step + (job.state ? `/${job.state}` : ''), (steps.get(job.step + (job.state ? `/${job.state}` : '')) ?? 0) + 1);
    ledger = data.jobs.length ? [...steps].map(([step, count]) => `${count} ${step}`).join(', ') : 'empty';
  } catch {
    // no ledger yet
  }
  let pendingRows = 0;
  try {
    pendingRows = (await readFile(join(index, '.gbi', 'pending.jsonl'), 'utf8')).split('\n').filter((line) => line.trim()).length;
  } catch {
    // none
  }
  return { ledger, pendingRows };
}

function runBuild(runNumber: number, killAfterMs: number | undefined, target = { index, endpoint: emulator.url }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'build', corpus, '--index', target.index, '--endpoint', target.endpoint, '--dims', String(DIMS), '--max-requests-per-job', String(MAX_REQUESTS_PER_JOB), '--json'],
      { cwd: snapshot.path, env: offlineEnv({ GBI_POLL_INITIAL_MS: '30', GBI_POLL_MAX_MS: '300', GBI_RETRY_INITIAL_MS: '20' }), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let killed = false;
    const killTimer = killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, killAfterMs);
    // A second burst lands somewhere inside the run.
    const burstAt = Math.floor(random() * 4_000);
    const burstTimer = setTimeout(() => target.index === index && random() < 0.5 && injectBurst(), burstAt);
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', async (code) => {
      clearTimeout(killTimer);
      clearTimeout(burstTimer);
      clearTimeout(watchdog);
      const exitedAtMs = round(now() - started, 0);
      const state = await stateAfter();
      const result: Run = { run: runNumber, killAtMs: killAfterMs, exitedAtMs, killed, code, ...state };
      if (!killed) {
        try {
          const summary = JSON.parse(Buffer.concat(stdout).toString('utf8'));
          result.summary = {
            requests: summary.requests,
            jobs: summary.jobs,
            failed: summary.chunks.failed,
            pendingJobs: summary.pendingJobs,
            stored: summary.chunks.stored,
            toEmbed: summary.chunks.toEmbed,
          };
        } catch {
          result.stderrTail = Buffer.concat(stderr).toString('utf8').slice(-2_000);
        }
      }
      resolve(result);
    });
  });
}

const runs: Run[] = [];
/** Successful batch embeddings per text digest after each run (the emulator counts by text). */
const countsAfterRun: Map<string, number>[] = [];
const batchCounts = (): Map<string, number> => new Map((emulator.stats as unknown as { embeddedBySource: { batch: Map<string, number> } }).embeddedBySource.batch);
/** Durations of runs left to finish (every fourth cycle), to aim the kills inside a run's life. */
const completedDurations: number[] = [];
let kills = 0;
log(`soak: seed ${SEED}, ${KILLS} kills wanted, corpus ${SUBSET.join(' + ')}, emulator ${emulator.url}`);
for (let cycle = 0; kills < KILLS && now() - soakStarted < BUDGET_MS * 0.7; cycle++) {
  if (cycle > 0) await editCorpus(cycle);
  injectJobFaults();
  const calibrate = cycle % 4 === 3;
  // Node + tsx take ~0.7 s to start; kills land from then to the end of a typical run.
  const typical = completedDurations.length ? median(completedDurations) : cycle === 0 ? 6_000 : 3_000;
  const killAt = calibrate ? undefined : Math.round(300 + random() * typical);
  const run = await runBuild(runs.length + 1, killAt);
  runs.push(run);
  countsAfterRun.push(batchCounts());
  if (run.killed) kills++;
  else if (run.summary && cycle > 0) completedDurations.push(run.exitedAtMs);
  log(
    `run ${run.run}: ${run.killed ? `SIGKILL at ${killAt} ms` : `exited ${run.code} at ${run.exitedAtMs} ms${run.summary ? ` (${run.summary.requests} requests, ${run.summary.failed} failed)` : ''}${killAt ? ' before its kill' : ''}`}; ledger: ${run.ledger}; pending rows ${run.pendingRows}`,
  );
  if (!run.killed && !run.summary && run.stderrTail) log(run.stderrTail.slice(-600));
}

// Run to completion: faults stay on for a few runs, then off so the soak always ends.
let complete = false;
for (let attempt = 1; attempt <= 8 && !complete; attempt++) {
  if (attempt === 5) {
    emulator.faults.reset();
    log('faults off for the last completion runs');
  }
  const run = await runBuild(runs.length + 1, undefined);
  runs.push(run);
  countsAfterRun.push(batchCounts());
  complete = run.code === 0 && run.summary !== undefined && run.summary.failed === 0 && run.summary.pendingJobs === 0;
  log(`completion run ${run.run}: exited ${run.code} at ${run.exitedAtMs} ms${run.summary ? ` (${run.summary.requests} requests, ${run.summary.failed} failed, ${run.summary.pendingJobs} pending jobs)` : ''}; ledger ${run.ledger}`);
  if (run.stderrTail) log(run.stderrTail.slice(-600));
}
const soakStats = {
  calls: emulator.stats.callCounts(),
  embeddedBatch: emulator.stats.embeddingCount('batch'),
  textsEmbeddedMoreThanOnce: emulator.stats.textsEmbeddedMoreThanOnce('batch'),
};

// The clean build of the same final corpus, against a fault-free emulator.
const cleanEmulator = await startEmulator({ latencyMs: 0, seed: SEED });
const cleanIndex = join(work.path, 'clean-index');
const cleanRun = await runBuild(0, undefined, { index: cleanIndex, endpoint: cleanEmulator.url });
if (cleanRun.code !== 0) throw new Error(`the clean build failed (exit ${cleanRun.code}): ${cleanRun.stderrTail ?? ''}`);
const cleanRepeated = cleanEmulator.stats.textsEmbeddedMoreThanOnce('batch');

type Row = Pick<ChunkRow, 'id' | 'key' | 'path' | 'chunk' | 'start_line' | 'end_line' | 'text'> & { vector: Float32Array };

async function readIndex(uri: string): Promise<{ rows: Row[]; catalog: Map<string, string> }> {
  const db = await lancedb.connect(uri);
  const chunks = await db.openTable('chunks');
  const rows = (await chunks.query().toArray()).map((row) => ({ ...row, vector: Float32Array.from(row.vector as Iterable<number>) }) as Row);
  const documents = await db.openTable('documents');
  const catalog = new Map((await documents.query().select(['path', 'hash', 'chunk_count']).toArray()).map((doc) => [String(doc.path), `${doc.hash}/${doc.chunk_count}`]));
  chunks.close();
  documents.close();
  db.close();
  return { rows: rows.filter((row) => row.chunk >= 0), catalog };
}

function expectedVector(text: string): Float32Array {
  const values = hashEmbed(text, DIMS);
  let sum = 0;
  for (const value of values) sum += value * value;
  const norm = Math.sqrt(sum) || 1;
  return Float32Array.from(values, (value) => value / norm);
}

const soak = await readIndex(index);
const clean = await readIndex(cleanIndex);
const problems: string[] = [];
const ids = new Set<string>();
const duplicates = soak.rows.filter((row) => (ids.has(row.id) ? true : (ids.add(row.id), false))).map((row) => row.id);
if (duplicates.length) problems.push(`${duplicates.length} duplicate ids, e.g. ${duplicates.slice(0, 5).join(', ')}`);
let exact = 0;
let maxDiff = 0;
const wrongVectors: string[] = [];
for (const row of soak.rows) {
  const expected = expectedVector(row.text);
  let diff = row.vector.length === DIMS ? 0 : Infinity;
  for (let i = 0; i < DIMS && diff !== Infinity; i++) diff = Math.max(diff, Math.abs(row.vector[i]! - expected[i]!));
  if (diff === 0) exact++;
  maxDiff = Math.max(maxDiff, diff);
  if (diff > 1e-6) wrongVectors.push(`${row.id} (max |Δ| ${diff})`);
}
if (wrongVectors.length) problems.push(`${wrongVectors.length} rows whose vector is not their text's: ${wrongVectors.slice(0, 5).join(', ')}`);
const describe = (row: Row) => `${row.key}|${row.start_line}-${row.end_line}|${row.text}`;
const cleanById = new Map(clean.rows.map((row) => [row.id, describe(row)]));
const soakById = new Map(soak.rows.map((row) => [row.id, describe(row)]));
const missing = [...cleanById.keys()].filter((id) => !soakById.has(id));
const extra = [...soakById.keys()].filter((id) => !cleanById.has(id));
const differing = [...cleanById.keys()].filter((id) => soakById.has(id) && soakById.get(id) !== cleanById.get(id));
if (missing.length) problems.push(`${missing.length} rows of the clean build missing, e.g. ${missing.slice(0, 5).join(', ')}`);
if (extra.length) problems.push(`${extra.length} rows the clean build does not have, e.g. ${extra.slice(0, 5).join(', ')}`);
if (differing.length) problems.push(`${differing.length} rows differ from the clean build's, e.g. ${differing.slice(0, 5).join(', ')}`);
const catalogDiff = [...new Set([...soak.catalog.keys(), ...clean.catalog.keys()])].filter((path) => soak.catalog.get(path) !== clean.catalog.get(path));
if (catalogDiff.length) problems.push(`${catalogDiff.length} catalog entries differ, e.g. ${catalogDiff.slice(0, 5).join(', ')}`);
// Which texts went out twice, and in which runs: the run before the second embedding is the suspect.
const { chunkDocument, documentTitle, DEFAULT_CHUNKER_SETTINGS } = (await import(join(snapshot.path, 'src/chunk/index.ts'))) as typeof import('../src/chunk/index.js');
const { textDigest } = (await import(join(snapshot.path, 'src/emulator/stats.ts'))) as typeof import('../src/emulator/stats.js');
const named = new Map<string, string>();
// The same text under several document titles is several keys, and goes out once per title (the
// title is part of what RETRIEVAL_DOCUMENT embeds; the emulator counts by text alone).
const titlesOf = new Map<string, Set<string>>();
for (const { path, version, text } of versions) {
  const document = { path, absPath: path, size: text.length, mtimeMs: 0, sha256: '', encoding: 'utf-8', text };
  const title = documentTitle(document) ?? '';
  for (const chunk of chunkDocument(document, DEFAULT_CHUNKER_SETTINGS)) {
    const digest = textDigest(chunk.text);
    if (!named.has(digest)) named.set(digest, `${path} v${version} chunk ${chunk.index}`);
    titlesOf.set(digest, (titlesOf.get(digest) ?? new Set()).add(title));
  }
}
const cleanTimesOf = (digest: string) =>
  (cleanEmulator.stats as unknown as { embeddedBySource: { batch: Map<string, number> } }).embeddedBySource.batch.get(digest) ?? 0;
const allowedTimes = (digest: string) => Math.max(1, cleanTimesOf(digest), titlesOf.get(digest)?.size ?? 0);
const overEmbedded = [...new Map(soak.rows.map((row) => [row.text, row])).values()]
  .map((row) => ({ id: row.id, digest: textDigest(row.text), soak: emulator.stats.timesEmbedded(row.text, 'batch'), clean: cleanEmulator.stats.timesEmbedded(row.text, 'batch') }))
  .filter((entry) => entry.soak > allowedTimes(entry.digest));
const twice = [...batchCounts()]
  .filter(([digest, count]) => count > allowedTimes(digest))
  .map(([digest, count]) => {
    const runOf = (times: number) => runs[countsAfterRun.findIndex((counts) => (counts.get(digest) ?? 0) >= times)];
    const first = runOf(1);
    // The embedding beyond what the texts' titles account for.
    const second = runOf(allowedTimes(digest) + 1);
    const before = second ? runs[runs.indexOf(second) - 1] : undefined;
    return {
      text: named.get(digest) ?? `unknown text ${digest}`,
      times: count,
      cleanTimes: cleanTimesOf(digest),
      titles: titlesOf.get(digest)?.size ?? 0,
      firstInRun: first?.run,
      againInRun: second?.run,
      runBefore: before ? { run: before.run, killed: before.killed, killAtMs: before.killAtMs, ledgerAfter: before.ledger, pendingRowsAfter: before.pendingRows } : undefined,
    };
  });
if (twice.length > 0 || overEmbedded.length > 0) {
  problems.push(
    `${twice.length} texts embedded more often than their titles account for (${soakStats.textsEmbeddedMoreThanOnce} went out more than once; ` +
      `clean build: ${cleanRepeated}); final texts among them: ${overEmbedded.slice(0, 8).map((entry) => `${entry.id} ×${entry.soak} (clean ×${entry.clean})`).join(', ') || 'none (texts of replaced versions)'}`,
  );
}
const finalState = await stateAfter();
if (finalState.ledger !== 'empty' && finalState.ledger !== 'none') problems.push(`jobs left in the ledger: ${finalState.ledger}`);
if (finalState.pendingRows > 0) problems.push(`${finalState.pendingRows} pending rows left`);
if (!complete) problems.push('the build never completed cleanly');

await emulator.close();
await cleanEmulator.close();
const killedRuns = runs.filter((run) => run.killed);
const atKill = new Map<string, number>();
for (const run of killedRuns) atKill.set(run.ledger ?? 'none', (atKill.get(run.ledger ?? 'none') ?? 0) + 1);
const report = {
  seed: SEED,
  seconds: round((now() - soakStarted) / 1000, 1),
  corpus: SUBSET,
  dims: DIMS,
  runs: runs.length,
  kills: killedRuns.length,
  killMomentsMs: killedRuns.map((run) => run.killAtMs),
  ledgerAtKill: Object.fromEntries(atKill),
  injected: { ...injected, requestErrorRate: 0.05, burstCallsAnswered429: injected.burstCalls },
  emulator: soakStats,
  cleanBuildTextsEmbeddedMoreThanOnce: cleanRepeated,
  finalRows: soak.rows.length,
  cleanRows: clean.rows.length,
  vectors: { checked: soak.rows.length, bitExact: exact, maxAbsDiff: maxDiff },
  problems,
  embeddedTwice: twice,
  runLog: runs,
};
await mkdir(RESULTS_DIR, { recursive: true });
const file = join(RESULTS_DIR, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
// On a failure the corpus and both indexes stay for inspection.
if (problems.length === 0) await work.remove();
await snapshot.remove();

console.log(`\ngbi soak, seed ${SEED}: ${runs.length} builds in ${report.seconds} s, ${killedRuns.length} SIGKILLs at ${report.killMomentsMs.join(', ')} ms`);
console.log(`survived: ${soakStats.calls.asyncBatchEmbedContent ?? 0} job creations, ${injected.forcedFailed} forced FAILED + ${injected.forcedExpired} forced EXPIRED jobs, ` +
  `${injected.bursts} 429 bursts (${injected.burstCalls} calls), 5 % per-request errors, ${injected.edits.length} corpus edits between kills`);
console.log(`state at the kills: ${[...atKill].map(([state, count]) => `${count}× ${state}`).join('; ')}`);
console.log(`emulator: ${soakStats.embeddedBatch} texts embedded in batch, ${soakStats.textsEmbeddedMoreThanOnce} embedded successfully more than once (clean build of the same corpus: ${cleanRepeated})`);
console.log(`final index: ${soak.rows.length} rows (clean build ${clean.rows.length}), ${exact} vectors bit-exact, max |Δ| ${maxDiff}`);
if (problems.length === 0) console.log('verdict: PASS: the index equals a clean build, vectors exact, no duplicates, nothing embedded twice, nothing left pending');
else {
  console.log('verdict: FAIL');
  for (const problem of problems) console.log(`  - ${problem}`);
  for (const entry of twice.slice(0, 10)) {
    console.log(
      `    ${entry.text}: embedded ×${entry.times} (clean ×${entry.cleanTimes}); first in run ${entry.firstInRun}, once too often in run ${entry.againInRun}` +
        (entry.runBefore ? `; run ${entry.runBefore.run} before it ${entry.runBefore.killed ? `was killed at ${entry.runBefore.killAtMs} ms` : 'finished'}, leaving ledger: ${entry.runBefore.ledgerAfter}` : ''),
    );
  }
  process.exitCode = 1;
}
console.log(`evidence: ${file}`);
if (problems.length > 0) console.log(`corpus, soaked index and clean index kept in ${work.path}`);
