/**
 * P3 no-op rebuild: build() again on an index that is up to date with its folder, in a fresh process
 * (as a user's second `gbi build` is), against a fast-glob + stat walk of the same tree.
 *
 *   node --import tsx bench/figures/noop.ts <result.json> <index> [root]
 */
import { writeFile } from 'node:fs/promises';
import fg from 'fast-glob';
import { startEmulator } from '../../src/emulator/index.js';
import { build, type BuildSummary } from '../../src/pipeline/build.js';
import { K8S, type Figure, log, median, now, resultPath, round } from '../lib/common.js';
import { PhaseClock } from '../lib/phases.js';

const out = resultPath();
const index = process.argv[3];
const root = process.argv[4] || K8S;
if (!index) throw new Error('usage: noop.ts <result.json> <index> [root]');
const DIMS = 768;

const walkRuns: number[] = [];
const noopRuns: number[] = [];
const noopPhases: Record<string, number>[] = [];
let summary: BuildSummary | undefined;
// Alternated, so that both see the same machine; the first of each warms caches and is dropped.
for (let i = 0; i < 8; i++) {
  let mark = now();
  const entries = await fg('**/*', { cwd: root, dot: true, onlyFiles: true, stats: true, followSymbolicLinks: true });
  const walkMs = now() - mark;
  const clock = new PhaseClock();
  mark = now();
  summary = await build({ root, index, dims: DIMS, onEvent: clock.onEvent });
  const noopMs = now() - mark;
  if (i === 0) {
    log(`P3: walk lists ${entries.length} entries; first no-op ${round(noopMs)} ms (dropped)`);
    continue;
  }
  walkRuns.push(walkMs);
  noopRuns.push(noopMs);
  noopPhases.push(clock.finish());
}
// Once more against an emulator whose counters say what it was sent.
const emulator = await startEmulator({ latencyMs: 0 });
const counted = await build({ root, index, dims: DIMS, backend: { endpoint: emulator.url } });
const calls = emulator.stats.callCounts();
await emulator.close();
const totalCalls = Object.values(calls).reduce((sum, count) => sum + (count ?? 0), 0);
const noopMs = median(noopRuns);
const walkMs = median(walkRuns);
const ratio = noopMs / walkMs;
log(`P3 no-op: median ${round(noopMs)} ms vs walk ${round(walkMs)} ms; requests ${counted.requests}, emulator calls ${totalCalls}`);
const figure: Figure = {
  id: 'P3',
  name: 'no-op rebuild',
  measured: `${round(noopMs)} ms, ${counted.requests} requests, ${totalCalls} API calls`,
  baseline: `fast-glob + stat walk ${round(walkMs)} ms`,
  ratio,
  goal: '<= 1.5x time, 0 requests',
  pass: ratio <= 1.5 && counted.requests === 0 && totalCalls === 0,
  details: {
    noopRunsMs: noopRuns.map((ms) => round(ms)),
    walkRunsMs: walkRuns.map((ms) => round(ms)),
    medianRunPhasesMs: noopPhases[noopRuns.indexOf(noopMs)],
    files: summary?.files,
    emulatorCalls: calls,
    method:
      'In a fresh process, on the index P7 built: build() with nothing changed (default offline backend), alternated with the baseline, ' +
      "median of 7 after one dropped warm-up each; then once against an emulator whose call counters are read. Baseline: fast-glob '**/*' " +
      '(dot, onlyFiles, stats, followSymbolicLinks) of the same root.',
  },
};
await writeFile(out, JSON.stringify(figure));
