/**
 * Diagnostic (not part of npm run bench): the crash window the soak found. build() deletes the chunk
 * rows of a changed document (deleteChunksOf) and only then writes back the rows whose vectors it
 * reuses (upsertChunks). A process that dies in between loses those vectors: the rows were their only
 * copy, so the next build embeds the unchanged chunks again.
 *
 * Deterministic reproduction: build a ~50-chunk document; append one paragraph; run build() with
 * IndexStore.upsertChunks made to fail once (the on-disk state equals a SIGKILL at that moment);
 * build again and count what the emulator embedded.
 *
 *   node --import tsx bench/diag/crash-window.ts
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator/index.js';
import { build } from '../../src/pipeline/build.js';
import { IndexStore } from '../../src/store/index.js';
import { K8S, tempDir } from '../lib/common.js';

const work = await tempDir('crash-window');
const emulator = await startEmulator({ latencyMs: 0 });
try {
  const folder = join(work.path, 'corpus');
  await mkdir(folder);
  const file = join(folder, 'README.md');
  await copyFile(join(K8S, 'keps/sig-node/1287-in-place-update-pod-resources/README.md'), file);
  const options = { root: folder, index: join(work.path, 'index'), backend: { endpoint: emulator.url }, poll: { initialMs: 20, maxMs: 200 } };
  const first = await build(options);
  console.log(`built: ${first.chunks.planned} chunks, ${emulator.stats.embeddingCount('batch')} embedded`);

  // Control: an append without a crash re-embeds only what changed.
  await writeFile(file, `${await readFile(file, 'utf8')}\n\nA paragraph appended without a crash.\n`);
  let before = emulator.stats.embeddingCount('batch');
  const control = await build(options);
  console.log(`append, no crash: ${emulator.stats.embeddingCount('batch') - before} embedded (toEmbed ${control.chunks.toEmbed}, reused ${control.chunks.reused})`);

  // The same edit, with the process "dying" right after deleteChunksOf, before upsertChunks.
  await writeFile(file, `${await readFile(file, 'utf8')}\n\nA paragraph appended before a crash.\n`);
  const original = IndexStore.prototype.upsertChunks;
  IndexStore.prototype.upsertChunks = async function () {
    throw new Error('simulated SIGKILL between deleteChunksOf and upsertChunks');
  };
  before = emulator.stats.embeddingCount('batch');
  try {
    await build(options);
  } catch (error) {
    console.log(`build died: ${(error as Error).message}`);
  } finally {
    IndexStore.prototype.upsertChunks = original;
  }
  const resumed = await build(options);
  console.log(
    `append + crash, then a clean build: ${emulator.stats.embeddingCount('batch') - before} embedded ` +
      `(toEmbed ${resumed.chunks.toEmbed}, reused ${resumed.chunks.reused}); texts embedded more than once: ${emulator.stats.textsEmbeddedMoreThanOnce('batch')}`,
  );
} finally {
  await emulator.close();
  await work.remove();
}
