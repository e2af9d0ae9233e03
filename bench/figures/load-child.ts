/**
 * P2 peak-RSS child: loads one finished emulator job into an index through the product's path
 * (IndexSession.runJobs → runner → readResults, download included → chunk sink → upsertChunks) and
 * nothing else, so the process's peak RSS is the load's.
 *
 *   node --import tsx bench/figures/load-child.ts <result.json> <index> <endpoint> <dims>
 */
import { writeFile } from 'node:fs/promises';
import { IndexSession } from '../../src/pipeline/session.js';
import { now, resultPath, round } from '../lib/common.js';

const out = resultPath();
const [index, endpoint, dimsText] = process.argv.slice(3);
const dims = Number(dimsText);

const started = now();
// Where the memory is: V8 heap, external (Buffers, Arrow arrays) and the rest (LanceDB's native side).
const peaks = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0, nativeOther: 0 };
const timeline: { ms: number; rssMB: number; heapMB: number; externalMB: number }[] = [];
const sample = () => {
  const usage = process.memoryUsage();
  peaks.rss = Math.max(peaks.rss, usage.rss);
  peaks.heapUsed = Math.max(peaks.heapUsed, usage.heapUsed);
  peaks.external = Math.max(peaks.external, usage.external);
  peaks.arrayBuffers = Math.max(peaks.arrayBuffers, usage.arrayBuffers);
  peaks.nativeOther = Math.max(peaks.nativeOther, usage.rss - usage.heapTotal - usage.external);
  timeline.push({ ms: Math.round(now() - started), rssMB: Math.round(usage.rss / 1e6), heapMB: Math.round(usage.heapUsed / 1e6), externalMB: Math.round(usage.external / 1e6) });
};
const sampler = setInterval(sample, 100);
/** When the job's results had all been read and stored: what comes after is the job's settling. */
let loadedAtMs: number | undefined;
const session = await IndexSession.open({
  index: index!,
  command: 'gbi bench (load)',
  write: true,
  backend: { endpoint: endpoint! },
  limits: { input: 'file' },
  onEvent: (event) => {
    if (event.type === 'batch' && event.event.type === 'loaded') loadedAtMs = Math.round(now() - started);
  },
});
const opened = now();
let report;
let rows: number;
try {
  report = await session.runJobs(dims, true);
  rows = await session.store.countChunks();
} finally {
  await session.close();
}
const loaded = now();
clearInterval(sampler);
sample();
const peakAt = timeline.reduce((best, point) => (point.rssMB > best.rssMB ? point : best));
const every = Math.max(1, Math.ceil(timeline.length / 60));
await writeFile(
  out,
  JSON.stringify({
    openMs: round(opened - started),
    loadMs: round(loaded - opened),
    rows,
    report,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    sampledPeakRssBytes: peaks.rss,
    peaksMB: Object.fromEntries(Object.entries(peaks).map(([name, bytes]) => [name, Math.round(bytes / 1e6)])),
    loadedAtMs,
    peakAtMs: peakAt.ms,
    // About 60 points, plus the peak and the last second at full resolution.
    timeline: timeline.filter((point, i) => i % every === 0 || point === peakAt || point.ms >= timeline.at(-1)!.ms - 1000),
  }),
);
