/**
 * Diagnostic (not part of npm run bench): the emulator's batch embedding job on P7's requests.
 * The kubernetes-enhancements chunk requests are written once, as build() writes them, to a JSONL
 * file in the temp folder, reused by later runs (delete it after changing the chunker).
 *
 *   node --import tsx bench/diag/emulator-job.ts job [runs] [--profile]   upload + create + poll to
 *       SUCCEEDED (latencyMs 0); times create → SUCCEEDED, the CPU it took (all threads), the slowest
 *       poll answer while the job runs, and a sha256 of the result lines (sorted: their order follows
 *       the random batch id), to compare across versions. --profile: a CPU profile of the emulator's
 *       thread during the last run's job
 *   node --import tsx bench/diag/emulator-job.ts embed [runs]  hashEmbed and the vectors' JSON alone
 *   node --import tsx bench/diag/emulator-job.ts digest <out>  per-text digests of vectors and their
 *       JSON text (corpus texts at 768 dims, plus awkward texts at several dims), to diff two versions
 *
 * Add `--cpu-prof` after `node` for profiles of whole runs.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleGenAI } from '@google/genai';
import fg from 'fast-glob';
import { DEFAULT_SUBMIT_LIMITS, Ledger, planJobs, type PreparedRequest } from '../../src/batch/index.js';
import { DEFAULT_CHUNKER_SETTINGS, chunkDocument, documentTitle, fingerprintOf } from '../../src/chunk/index.js';
import { readDocuments, walkFiles, type FileEntry } from '../../src/crawl/index.js';
import { hashEmbed, startEmulator } from '../../src/emulator/index.js';
import { JsonBytes } from '../../src/emulator/json-bytes.js';
import { DEFAULT_DIMS, DEFAULT_MODEL, DOCUMENT_TASK, SECRET_FILE_EXCLUDES, embeddingKey } from '../../src/pipeline/build.js';
import { AWKWARD, K8S, median, now, requireSharedData, round, tempDir } from '../lib/common.js';

const REQUESTS_FILE = join(tmpdir(), 'gbi-diag-k8s-requests.jsonl');
const PROFILE_FILE = join(tmpdir(), 'gbi-diag-emulator-job.cpuprofile');

function vectorJsonText(values: Float32Array): string {
  const out = new JsonBytes();
  out.vector(values);
  return out.toString();
}

interface RequestLine {
  key: string;
  request: { content: { parts: Array<{ text: string }> }; outputDimensionality: number };
}

/** The request file build() would upload for a clean build of the kubernetes corpus. */
async function requestsFile(): Promise<string> {
  if (existsSync(REQUESTS_FILE)) return REQUESTS_FILE;
  const entries: FileEntry[] = [];
  for await (const item of walkFiles(K8S, { exclude: SECRET_FILE_EXCLUDES })) if (item.kind === 'file') entries.push(item.entry);
  const fingerprint = fingerprintOf({ model: DEFAULT_MODEL, dims: DEFAULT_DIMS, taskType: DOCUMENT_TASK, chunker: DEFAULT_CHUNKER_SETTINGS });
  const requests = new Map<string, PreparedRequest>();
  for await (const result of readDocuments(entries)) {
    if (result.kind === 'skipped') continue;
    const title = documentTitle(result.document) ?? '';
    for (const piece of chunkDocument(result.document, DEFAULT_CHUNKER_SETTINGS)) {
      const key = embeddingKey(fingerprint, title, piece.text);
      const request = { content: { parts: [{ text: piece.text }] }, taskType: DOCUMENT_TASK, ...(title ? { title } : {}), outputDimensionality: DEFAULT_DIMS };
      requests.set(key, { key, tokens: piece.tokens, request });
    }
  }
  const work = await tempDir('emulator-job');
  try {
    const ledger = await Ledger.open(join(work.path, '.gbi'));
    const [entry] = await planJobs(ledger, 'embed', DEFAULT_MODEL, [...requests.values()], { ...DEFAULT_SUBMIT_LIMITS, input: 'file' });
    await rename(join(ledger.workDir, entry!.requestFile), REQUESTS_FILE);
  } finally {
    await work.remove();
  }
  return REQUESTS_FILE;
}

async function requestTexts(): Promise<string[]> {
  const text = await readFile(await requestsFile(), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => (JSON.parse(line) as RequestLine).request.content.parts[0]!.text);
}

/** A CPU profile of this (the emulator's) thread while the job runs, as a .cpuprofile file. */
async function startProfile(): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(PROFILE_FILE, JSON.stringify(profile));
    session.disconnect();
    console.log(`profile of the emulator thread during the job: ${PROFILE_FILE}`);
  };
}

async function timeJob(runs: number, profile: boolean): Promise<void> {
  const path = await requestsFile();
  const dir = await tempDir('emulator-job');
  const jobMs: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const emulator = await startEmulator({ latencyMs: 0 });
      try {
        const ai = new GoogleGenAI({ apiKey: 'diag', apiVersion: 'v1beta', httpOptions: { baseUrl: emulator.url } });
        const file = await ai.files.upload({ file: path, config: { mimeType: 'application/jsonl' } });
        const stopProfile = profile && run === runs - 1 ? await startProfile() : undefined;
        const started = now();
        const cpuBefore = process.cpuUsage();
        const job = await ai.batches.createEmbeddings({ model: DEFAULT_MODEL, src: { fileName: file.name! } });
        let slowestPollMs = 0;
        let polls = 0;
        for (;;) {
          const pollStarted = now();
          const state = (await ai.batches.get({ name: job.name! })).state;
          slowestPollMs = Math.max(slowestPollMs, now() - pollStarted);
          polls++;
          if (state === 'JOB_STATE_SUCCEEDED') break;
          if (state !== 'JOB_STATE_PENDING' && state !== 'JOB_STATE_RUNNING') throw new Error(`job ended ${state}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const ms = now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        await stopProfile?.();
        jobMs.push(ms);
        const done = await ai.batches.get({ name: job.name! });
        const resultPath = join(dir.path, `result-${run}.jsonl`);
        await ai.files.download({ file: done.dest!.fileName!, downloadPath: resultPath });
        const resultBytes = await readFile(resultPath);
        const fileSha256 = (await ai.files.get({ name: done.dest!.fileName! })).sha256Hash;
        if (fileSha256 !== Buffer.from(createHash('sha256').update(resultBytes).digest('hex')).toString('base64')) {
          throw new Error(`the result file's sha256Hash ${fileSha256} does not match its bytes`);
        }
        const result = resultBytes.toString('utf8');
        // Line order follows the random batch id, so the lines are hashed sorted.
        const sha = createHash('sha256').update(result.split('\n').sort().join('\n')).digest('hex').slice(0, 16);
        const errors = result.split('\n').filter((line) => line.includes('"error":')).length;
        console.log(`run ${run + 1}: job ${round(ms)} ms (CPU ${round((cpu.user + cpu.system) / 1000)} ms, all threads), ${polls} polls, slowest poll ${round(slowestPollMs)} ms, result ${result.length} chars (${errors} errors), sorted lines sha256 ${sha}`);
      } finally {
        await emulator.close();
      }
    }
  } finally {
    await dir.remove();
  }
  console.log(`job median ${round(median(jobMs))} ms of ${runs}`);
}

async function timeEmbedding(runs: number): Promise<void> {
  const texts = await requestTexts();
  const embedMs: number[] = [];
  const jsonMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    let started = now();
    const vectors = texts.map((text) => hashEmbed(text, DEFAULT_DIMS));
    embedMs.push(now() - started);
    started = now();
    const out = new JsonBytes();
    for (const vector of vectors) out.vector(vector);
    jsonMs.push(now() - started);
    console.log(`run ${run + 1}: hashEmbed ${round(embedMs[run]!)} ms, vector JSON ${round(jsonMs[run]!)} ms (${out.length} bytes)`);
  }
  const embed = median(embedMs);
  console.log(`${texts.length} texts at ${DEFAULT_DIMS} dims: hashEmbed median ${round(embed)} ms (${Math.round(texts.length / (embed / 1000))} passages/s), vector JSON median ${round(median(jsonMs))} ms`);
}

/** Texts of every kind the awkward corpus holds (encodings, scripts, long lines), cut to a bounded size. */
async function awkwardTexts(): Promise<string[]> {
  const paths = (await fg('**/*', { cwd: AWKWARD, dot: true, onlyFiles: true })).sort();
  const texts: string[] = ['', 'the and of', '!!! ???', 'The café', '東京の天気は晴れです', 'ﬁ ①  Ａ'];
  for (const path of paths) {
    const text = (await readFile(join(AWKWARD, path))).toString('utf8');
    for (let start = 0; start < Math.min(text.length, 200_000); start += 3_000) texts.push(text.slice(start, start + 3_000));
  }
  return texts;
}

async function writeDigests(out: string): Promise<void> {
  const lines: string[] = [];
  const digestOf = (text: string, dims: number): string => {
    const vector = hashEmbed(text, dims);
    const bytes = createHash('sha1').update(new Uint8Array(vector.buffer)).digest('base64');
    const json = createHash('sha1').update(vectorJsonText(vector)).digest('base64');
    return `${dims} ${bytes} ${json}`;
  };
  for (const text of await requestTexts()) lines.push(digestOf(text, DEFAULT_DIMS));
  for (const text of await awkwardTexts()) for (const dims of [1, 7, 128, 768, 3072]) lines.push(digestOf(text, dims));
  await writeFile(out, `${lines.join('\n')}\n`);
  console.log(`${lines.length} digests written to ${out}`);
}

requireSharedData('emulator-job');
const [mode, arg] = process.argv.slice(2);
if (mode === 'job') await timeJob(Number(arg ?? 3), process.argv.includes('--profile'));
else if (mode === 'embed') await timeEmbedding(Number(arg ?? 3));
else if (mode === 'digest' && arg) await writeDigests(arg);
else console.log('usage: emulator-job.ts job [runs] [--profile] | embed [runs] | digest <out>');
