import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/emulator/index.js';
import type { FailpointName } from '../src/batch/index.js';
import { runCli } from './helpers/cli.js';
import { spawnCli, until } from './helpers/child.js';
import { fixtureCorpus, tempDir, writeTree } from './helpers/fixtures.js';
import { expectNoDuplicates, expectSameIndex, readRows, readTable, type StoredRow } from './helpers/index-rows.js';

const COMMON = ['--chunk-tokens', '64', '--dims', '128', '--max-requests-per-job', '12', '--json'];

/**
 * A build killed with SIGKILL at each recorded step, then run again, must end with exactly the index
 * a clean build makes, and must not have paid for any text twice.
 */
describe('a build killed at any step finishes on the next run without paying twice', () => {
  let corpus: { path: string; remove: () => Promise<void> };
  let clean: StoredRow[];
  let cleanDocuments: unknown[];

  beforeAll(async () => {
    corpus = await tempDir();
    await writeTree(corpus.path, fixtureCorpus());
    const out = await tempDir();
    const result = await runCli(['build', corpus.path, '--index', join(out.path, 'index'), ...COMMON]);
    expect(result.code, result.stderr).toBe(0);
    clean = await readRows(join(out.path, 'index'));
    cleanDocuments = documentsOf(await readTable(join(out.path, 'index'), 'documents'));
    await out.remove();
  });
  afterAll(() => corpus.remove());

  const cases: { failpoint: FailpointName; input: 'file' | 'inline' }[] = [
    { failpoint: 'request-file-written', input: 'file' },
    { failpoint: 'uploaded', input: 'file' },
    { failpoint: 'job-created-unrecorded', input: 'file' },
    { failpoint: 'job-created-unrecorded', input: 'inline' },
    { failpoint: 'job-created', input: 'file' },
    { failpoint: 'polling', input: 'file' },
    { failpoint: 'loading', input: 'file' },
    { failpoint: 'loaded', input: 'inline' },
  ];
  for (const { failpoint, input } of cases) {
    it(`SIGKILL at ${failpoint} (${input})`, async () => {
      const emulator = await startEmulator({ latencyMs: 5, seed: 11 });
      const out = await tempDir();
      const index = join(out.path, 'index');
      const args = ['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--input', input, ...COMMON];
      try {
        const killed = await spawnCli(args, { GBI_FAILPOINT: failpoint, GBI_LOAD_BATCH_ROWS: '3' }).done;
        expect(killed.signal, killed.stderr).toBe('SIGKILL');
        const rerun = await spawnCli(args).done;
        expect(rerun.code, rerun.stderr).toBe(0);
        const rows = await readRows(index);
        expectNoDuplicates(rows);
        expectSameIndex(rows, clean);
        expect(documentsOf(await readTable(index, 'documents'))).toEqual(cleanDocuments);
        expect(emulator.stats.textsEmbeddedMoreThanOnce('batch')).toBe(0);
      } finally {
        await emulator.close();
        await out.remove();
      }
    });
  }
});

describe('vectors already paid for survive rewrites of their rows', () => {
  it('a crash between deleting and rewriting a changed file\'s rows costs only its new chunks', async () => {
    const emulator = await startEmulator({ latencyMs: 5 });
    const corpus = await tempDir();
    const out = await tempDir();
    try {
      await writeTree(corpus.path, fixtureCorpus());
      const args = ['build', corpus.path, '--index', join(out.path, 'index'), '--endpoint', emulator.url, ...COMMON];
      expect((await spawnCli(args).done).code).toBe(0);
      const path = join(corpus.path, 'guide/retries.md');
      await writeFile(path, `${await readFile(path, 'utf8')}\n## Appendix\n\nA new closing paragraph about jitter.\n`);
      const killed = await spawnCli(args, { GBI_FAILPOINT: 'rows-deleted' }).done;
      expect(killed.signal).toBe('SIGKILL');
      const rerun = await spawnCli(args).done;
      expect(rerun.code, rerun.stderr).toBe(0);
      const summary = JSON.parse(rerun.stdout);
      expect(summary.chunks.toEmbed).toBeLessThanOrEqual(2);
      expect(summary.chunks.reused).toBeGreaterThan(0);
      expect(emulator.stats.textsEmbeddedMoreThanOnce('batch')).toBe(0);
    } finally {
      await emulator.close();
      await corpus.remove();
      await out.remove();
    }
  });
});

describe('one writer at a time', () => {
  let emulator: EmulatorHandle;
  let corpus: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 5 });
    corpus = await tempDir();
    await writeTree(corpus.path, fixtureCorpus());
  });
  afterAll(async () => {
    await emulator.close();
    await corpus.remove();
  });

  it('a second build refuses with exit 4, or waits with --wait-lock; the index stays intact', async () => {
    const out = await tempDir();
    const index = join(out.path, 'index');
    const args = ['build', corpus.path, '--index', index, '--endpoint', emulator.url, ...COMMON];
    emulator.faults.hold();
    const first = spawnCli(args);
    await until(() => emulator.stats.callCount('getBatch') > 0, 'the first build to poll');
    const refused = await spawnCli(args).done;
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/index is locked by process \d+/);
    const waiting = spawnCli([...args, '--wait-lock']);
    emulator.faults.release();
    const [a, b] = await Promise.all([first.done, waiting.done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).requests).toBe(0);
    const rows = await readRows(index);
    expectNoDuplicates(rows);
    expect(rows.length).toBe(JSON.parse(a.stdout).chunks.planned);
    await out.remove();
  });

  it('takes over a lock left by a process that died', async () => {
    const out = await tempDir();
    const index = join(out.path, 'index');
    // A process that has exited: its pid is no longer alive.
    const dead = spawnCli(['--version']);
    expect((await dead.done).code).toBe(0);
    const deadPid = dead.pid;
    await mkdir(join(index, '.gbi'), { recursive: true });
    await writeFile(join(index, '.gbi', 'lock'), JSON.stringify({ pid: deadPid, host: hostname(), command: 'gbi build', since: '2026-01-01T00:00:00Z' }));
    const result = await runCli(['build', corpus.path, '--index', index, '--endpoint', emulator.url, '--chunk-tokens', '64', '--dims', '128']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`took over a stale index lock left by process ${deadPid}`);
    await out.remove();
  });
});

function documentsOf(rows: Record<string, unknown>[]): unknown[] {
  return rows.map(({ mtime_ms: _mtime, ...doc }) => doc).sort((a, b) => String(a.path).localeCompare(String(b.path)));
}
