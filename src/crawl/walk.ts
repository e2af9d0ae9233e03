// The list of files a crawl covers, with size and mtime: what an incremental build compares
// against its catalog. Never reads file contents.
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { forEachConcurrently } from './concurrency.js';
import { errorCode } from './errors.js';
import { matchGlobs } from './glob.js';
import { scanTree, type TreeItem } from './tree.js';
import type { CrawlOptions, WalkItem } from './types.js';

const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Blocking stat calls between two turns of the event loop. */
const STATS_PER_TURN = 256;
/** Blocking stats slower than this on average (ms) mean an uncached or remote disk. */
const SLOW_STAT_MS = 0.05;
/** Concurrent stat calls in flight at once, on such a disk. */
const STATS_AT_ONCE = 32;

/**
 * Files under `root`, sorted by path, and the paths skipped on the way (symlinks leaving the
 * root, unreadable folders, files over the size limit). Include/exclude globs filter both; a
 * skipped folder counts as a path of its own, so an include of only Markdown files leaves it out.
 */
export async function* walkFiles(root: string, options: CrawlOptions = {}): AsyncGenerator<WalkItem> {
  const tree = await scanTree(root, {
    ignoreDirs: options.ignoreDirs ?? [],
    respectGitignore: options.respectGitignore ?? true,
  });
  const matched = await matchGlobs(tree.keys(), options.include ?? ['**/*'], options.exclude ?? []);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // Plain code-unit order: the same on every machine and locale.
  const paths = [...matched].sort();
  yield* statItems(paths, tree, maxFileBytes);
}

/**
 * The walk items of `paths` (tree items of `tree`), in their order. A stat the inode cache answers
 * costs microseconds as a blocking call, and several times that as an asynchronous one (a trip to
 * libuv's I/O pool and back): so blocking calls, a slice at a time, while they average under
 * `slowStatMs`. Where they are slower (an uncached or remote disk), the rest are made concurrently.
 */
export async function* statItems(
  paths: readonly string[],
  tree: ReadonlyMap<string, TreeItem>,
  maxFileBytes: number,
  slowStatMs = SLOW_STAT_MS,
): AsyncGenerator<WalkItem> {
  let next = 0;
  while (next < paths.length) {
    const end = Math.min(paths.length, next + STATS_PER_TURN);
    const started = performance.now();
    const slice = paths.slice(next, end).map((path) => walkItem(path, tree.get(path)!, maxFileBytes));
    const slow = performance.now() - started > slowStatMs * (end - next);
    next = end;
    yield* slice;
    if (slow) break;
    await nextTurn();
  }
  const rest = paths.slice(next);
  const items: WalkItem[] = new Array(rest.length);
  await forEachConcurrently(rest.keys(), STATS_AT_ONCE, async (index) => {
    const path = rest[index]!;
    const item = tree.get(path)!;
    items[index] = item.kind === 'skipped' ? skippedItem(path, item.reason) : await statFile(path, item.absPath, maxFileBytes);
  });
  yield* items;
}

function walkItem(path: string, item: TreeItem, maxFileBytes: number): WalkItem {
  if (item.kind === 'skipped') return skippedItem(path, item.reason);
  try {
    return fileItem(path, item.absPath, statSync(item.absPath), maxFileBytes);
  } catch (error) {
    return skippedItem(path, `unreadable: ${errorCode(error)}`);
  }
}

async function statFile(path: string, absPath: string, maxFileBytes: number): Promise<WalkItem> {
  try {
    return fileItem(path, absPath, await stat(absPath), maxFileBytes);
  } catch (error) {
    return skippedItem(path, `unreadable: ${errorCode(error)}`);
  }
}

function fileItem(path: string, absPath: string, { size, mtimeMs }: Stats, maxFileBytes: number): WalkItem {
  if (size > maxFileBytes) return skippedItem(path, `larger than ${formatBytes(maxFileBytes)}`);
  return { kind: 'file', entry: { path, absPath, size, mtimeMs } };
}

function skippedItem(path: string, reason: string): WalkItem {
  return { kind: 'skipped', skipped: { path, reason } };
}

function formatBytes(bytes: number): string {
  const units = [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const;
  const unit = units.find(([, size]) => bytes >= size && bytes % size === 0);
  return unit ? `${bytes / unit[1]} ${unit[0]}` : `${bytes} bytes`;
}
