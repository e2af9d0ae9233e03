/**
 * npm run bench: every figure of issue 7, each a ratio against a baseline measured in the same run,
 * each in a fresh Node process, one after another. Prints a table and writes bench/results/<time>.json.
 *
 *   npm run bench                 all figures
 *   npm run bench -- --only P1,P6 some of them (P1 P2 P3 P4 P6 P7 COST AWKWARD; P3/P7/COST run together)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, totalmem, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { AWKWARD, K8S, REPO, RESULTS_DIR, type Figure, now, offlineEnv, requireSharedData, round, runScript, snapshotTree, tempDir } from './lib/common.js';

requireSharedData('npm run bench', [K8S, AWKWARD]);

const onlyArg = process.argv.find((arg) => arg.startsWith('--only'));
const only = onlyArg
  ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1]! : process.argv[process.argv.indexOf(onlyArg) + 1] ?? '').toUpperCase().split(','))
  : undefined;
const wanted = (...ids: string[]) => !only || ids.some((id) => only.has(id));

/** LangChain and its LanceDB store live in bench/peers, never in the product's dependencies. */
function ensurePeers(): void {
  const peers = join(REPO, 'bench', 'peers');
  if (existsSync(join(peers, 'node_modules', '@langchain', 'core')) && existsSync(join(peers, 'node_modules', '@lancedb', 'lancedb'))) return;
  console.log('installing the peer tools for P7 into bench/peers (npm ci, first run only)…');
  const result = spawnSync('npm', ['ci', '--prefix', peers, '--no-audit', '--no-fund'], { stdio: 'inherit', cwd: REPO });
  if (result.status !== 0) throw new Error('npm ci --prefix bench/peers failed');
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const started = now();
const startedAt = new Date();
if (wanted('P7', 'COST', 'P3')) ensurePeers();
// Every figure measures the code as it was when the run began, even if src/ changes meanwhile.
const snapshot = await snapshotTree();
const commit = git(['rev-parse', '--short', 'HEAD']);
const dirty = git(['status', '--porcelain', '--', 'src']) !== '';
const figures: Figure[] = [];
const failures: { step: string; error: string }[] = [];
let awkward: Record<string, unknown> | undefined;

async function step<T>(name: string, script: string, args: string[] = []): Promise<T | undefined> {
  console.log(`\n▶ ${name}`);
  const mark = now();
  try {
    const child = await runScript<T>(script, args, { env: offlineEnv(), echo: true, cwd: snapshot.path });
    console.log(`  done in ${round((now() - mark) / 1000, 1)} s`);
    return child.result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.log(`  FAILED: ${message.split('\n')[0]}`);
    failures.push({ step: name, error: message });
    return undefined;
  }
}

if (wanted('P1')) {
  const figure = await step<Figure>('P1 prepare (crawl + decode + chunk + key + JSONL) vs read + sha256', 'bench/figures/prepare.ts');
  if (figure) figures.push(figure);
}
if (wanted('P2')) {
  const figure = await step<Figure>('P2 load (result JSONL → LanceDB) vs table.add, and peak RSS at ≥ 1 GB', 'bench/figures/load.ts');
  if (figure) figures.push(figure);
}
if (wanted('P7', 'COST', 'P3')) {
  const kept = await tempDir('p7-index');
  const index = join(kept.path, 'index');
  const two = await step<Figure[]>('P7 end-to-end build vs LangChain index(), and cost', 'bench/figures/e2e.ts', ['', index]);
  if (two) figures.push(...two);
  if (two) {
    const p3 = await step<Figure>('P3 no-op rebuild of that index vs a fast-glob + stat walk', 'bench/figures/noop.ts', [index]);
    if (p3) figures.push(p3);
  }
  await kept.remove();
}
if (wanted('P4')) {
  const figure = await step<Figure>('P4 one-paragraph edits in a ~50-chunk document', 'bench/figures/edit.ts');
  if (figure) figures.push(figure);
}
if (wanted('P6')) {
  const figure = await step<Figure>('P6 search at 100k × 768 (writing and indexing 100k rows takes about a minute)', 'bench/figures/search.ts');
  if (figure) figures.push(figure);
}
if (wanted('AWKWARD')) {
  awkward = await step<Record<string, unknown>>('robustness run over ../shared/data/awkward', 'bench/figures/awkward.ts');
}

const order = ['P1', 'P2', 'P3', 'P4', 'P6', 'P7', 'COST'];
figures.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));

function ratioText(figure: Figure): string {
  if (figure.id === 'P4') return `${figure.ratio} chunks`;
  return `${figure.ratio >= 0.01 ? round(figure.ratio, 2) : figure.ratio.toPrecision(2)}x`;
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ').trimEnd());
    if (i === 0) console.log(widths.map((width) => '-'.repeat(width)).join('-|-'));
  }
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGB: round(totalmem() / 1e9, 1),
  freeMemoryGBAtEnd: round(freemem() / 1e9, 1),
  loadAverageAtEnd: loadavg().map((value) => round(value, 2)),
  kernel: release(),
  node: process.version,
  lancedb: JSON.parse(readFileSync(join(REPO, 'node_modules/@lancedb/lancedb/package.json'), 'utf8')).version as string,
};
await snapshot.remove();

if (awkward) {
  console.log(`\nRobustness: ${awkward.root}`);
  const files = awkward.files as Record<string, number>;
  console.log(`  ${files.seen} files seen, ${(awkward.read as unknown[]).length} read into ${awkward.rows} chunk rows, ${files.skipped} skipped, ${awkward.failedChunks} chunks failed, ${awkward.seconds} s`);
  console.log(`  read, by detected encoding: ${Object.entries(awkward.byEncoding as Record<string, number>).map(([name, count]) => `${name} ${count}`).join(', ')}`);
  for (const doc of awkward.read as { path: string; encoding: string; chunks: number; size: number }[]) {
    console.log(`    read     ${doc.encoding.padEnd(13)} ${String(doc.chunks).padStart(4)} chunks  ${doc.path}`);
  }
  for (const file of awkward.skipped as { path: string; reason: string }[]) console.log(`    skipped  ${file.path}: ${file.reason}`);
}

console.log(`\ngbi bench, ${startedAt.toISOString()}, commit ${commit}${dirty ? ' + uncommitted src changes' : ''}`);
console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGB} GB, Node ${machine.node}, LanceDB ${machine.lancedb}, load average at end ${machine.loadAverageAtEnd.join(' ')}`);
printTable([
  ['figure', 'measured', 'baseline (same run)', 'ratio', 'goal', 'result'],
  ...figures.map((figure) => [`${figure.id} ${figure.name}`, figure.measured, figure.baseline, ratioText(figure), figure.goal, figure.pass ? 'pass' : 'MISS']),
]);
for (const failure of failures) console.log(`FAILED to measure: ${failure.step}`);
const seconds = (now() - started) / 1000;
console.log(`total ${round(seconds, 0)} s`);

await mkdir(RESULTS_DIR, { recursive: true });
const file = join(RESULTS_DIR, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify({ startedAt: startedAt.toISOString(), seconds: round(seconds, 1), commit, srcDirty: dirty, machine, figures, awkward, failures }, null, 2)}\n`);
console.log(`results: ${file}`);
if (failures.length > 0) process.exitCode = 1;
