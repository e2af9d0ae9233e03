/**
 * Robustness run over ../shared/data/awkward (encodings, binaries, empty files, huge lines): build()
 * offline, then what was read (encoding, chunks) and what was skipped, with the reasons gbi gives.
 *
 *   node --import tsx bench/figures/awkward.ts <result.json> [root]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import { build } from '../../src/pipeline/build.js';
import { IndexStore } from '../../src/store/index.js';
import { AWKWARD, now, resultPath, round, tempDir } from '../lib/common.js';

const out = resultPath();
const root = process.argv[3] ?? AWKWARD;

const work = await tempDir('awkward');
const emulator = await startEmulator({ latencyMs: 0 });
try {
  const index = join(work.path, 'index');
  const started = now();
  const summary = await build({ root, index, backend: { endpoint: emulator.url }, poll: { initialMs: 20, maxMs: 200 } });
  const ms = now() - started;
  const store = await IndexStore.open(index);
  const read = [...(await store.catalog()).values()]
    .map((doc) => ({ path: doc.path, encoding: doc.encoding, size: doc.size, chunks: doc.chunk_count }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const rows = await store.countChunks();
  store.close();
  const byEncoding: Record<string, number> = {};
  for (const doc of read) byEncoding[doc.encoding] = (byEncoding[doc.encoding] ?? 0) + 1;
  const reasons: Record<string, number> = {};
  for (const file of summary.skipped) {
    const reason = file.reason.replace(/:.*$/, '');
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  await writeFile(
    out,
    JSON.stringify({
      root,
      seconds: round(ms / 1000, 2),
      files: summary.files,
      rows,
      failedChunks: summary.chunks.failed,
      read,
      byEncoding,
      skipped: summary.skipped,
      skippedByReason: reasons,
    }),
  );
} finally {
  await emulator.close();
  await work.remove();
}
