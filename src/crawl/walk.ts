// The list of files a crawl covers, with size and mtime: what an incremental build compares
// against its catalog. Never reads file contents.
import { stat } from 'node:fs/promises';
import { forEachConcurrently } from './concurrency.js';
import { errorCode } from './errors.js';
import { matchGlobs } from './glob.js';
import { scanTree } from './tree.js';
import type { CrawlOptions, WalkItem } from './types.js';

const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** stat calls in flight at once: an unchanged file costs a stat, so a no-op rebuild is mostly these. */
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
  const items: WalkItem[] = new Array(paths.length);
  await forEachConcurrently(paths.keys(), STATS_AT_ONCE, async (index) => {
    const path = paths[index];
    const item = tree.get(path)!;
    items[index] =
      item.kind === 'skipped' ? { kind: 'skipped', skipped: { path, reason: item.reason } } : await statFile(path, item.absPath, maxFileBytes);
  });
  yield* items;
}

async function statFile(path: string, absPath: string, maxFileBytes: number): Promise<WalkItem> {
  try {
    const { size, mtimeMs } = await stat(absPath);
    if (size > maxFileBytes) return { kind: 'skipped', skipped: { path, reason: `larger than ${formatBytes(maxFileBytes)}` } };
    return { kind: 'file', entry: { path, absPath, size, mtimeMs } };
  } catch (error) {
    return { kind: 'skipped', skipped: { path, reason: `unreadable: ${errorCode(error)}` } };
  }
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
