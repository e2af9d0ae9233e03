// Which paths under the root exist for the crawl: built-in ignores, ignoreDirs, .gitignore files
// and the symlink policy are applied here, while walking. Names and link targets only; no file
// contents are read (apart from .gitignore files).
import type { Dirent } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { forEachConcurrently } from './concurrency.js';
import { errorCode } from './errors.js';
import { type GitignoreStack, NO_GITIGNORE, isGitignored, withGitignore } from './gitignore.js';

export type TreeItem = { kind: 'file'; absPath: string } | { kind: 'skipped'; reason: string };

export interface TreeOptions {
  ignoreDirs: readonly string[];
  respectGitignore: boolean;
}

/**
 * Version-control metadata, dependency folders and desktop junk. Other dotfiles and dot-folders
 * (.github/, .gitignore, .env.example…) are kept: they can hold documentation.
 */
const ALWAYS_IGNORED = new Set(['.git', '.hg', '.svn', 'node_modules', '.DS_Store', 'Thumbs.db']);

/** Directory reads in flight at once: enough to keep libuv's thread pool busy. */
const FOLDERS_AT_ONCE = 16;

interface Folder {
  /** Root-relative, POSIX separators; '' for the root. */
  path: string;
  absPath: string;
  realPath: string;
  /** Real paths of this folder and everything above it: meeting one again means a symlink loop. */
  lineage: readonly string[];
  gitignore: GitignoreStack;
}

/** Root-relative path → file or reason it was skipped, for everything under the root. */
export async function scanTree(root: string, options: TreeOptions): Promise<Map<string, TreeItem>> {
  const rootReal = await realpath(root);
  const ignoreDirs = await Promise.all(options.ignoreDirs.map(realPathIfExists));
  const isIgnoredDir = (realPath: string) => ignoreDirs.some((dir) => isWithin(dir, realPath));
  const items = new Map<string, TreeItem>();

  let level: Folder[] = [
    { path: '', absPath: resolve(root), realPath: rootReal, lineage: [rootReal], gitignore: NO_GITIGNORE },
  ];
  // A level of the tree at a time, its folders listed concurrently: a deep tree is many small
  // directory reads, and waiting on each in turn is most of a no-op rebuild's time.
  while (level.length > 0) {
    const next: Folder[] = [];
    await forEachConcurrently(level, FOLDERS_AT_ONCE, async (folder) => {
      const listing = await listFolder(folder, options.respectGitignore);
      if ('reason' in listing) {
        if (folder.path === '') throw listing.error; // an unusable root means no crawl, and the caller should hear why
        items.set(folder.path, { kind: 'skipped', reason: listing.reason });
        return;
      }
      for (const dirent of listing.dirents) {
        if (ALWAYS_IGNORED.has(dirent.name)) continue;
        const path = folder.path === '' ? dirent.name : `${folder.path}/${dirent.name}`;
        // Git sees a symlink as a file, never as a folder, whatever it points to.
        if (isGitignored(listing.gitignore, path, dirent.isDirectory())) continue;

        const absPath = childPath(folder.absPath, dirent.name);
        const symlink = dirent.isSymbolicLink();
        const target = symlink ? await followSymlink(absPath, rootReal) : direntTarget(dirent, childPath(folder.realPath, dirent.name));
        if (target.kind === 'skipped') {
          items.set(path, target);
        } else if ((symlink || target.kind === 'directory') && isIgnoredDir(target.realPath)) {
          // A plain file can only be inside an ignored folder through its own folder, which was left out.
          continue;
        } else if (target.kind === 'file') {
          items.set(path, { kind: 'file', absPath });
        } else if (folder.lineage.includes(target.realPath)) {
          items.set(path, { kind: 'skipped', reason: 'symlink loop' });
        } else {
          const { realPath } = target;
          next.push({ path, absPath, realPath, lineage: [...folder.lineage, realPath], gitignore: listing.gitignore });
        }
      }
    });
    level = next;
  }
  return items;
}

type Target = { kind: 'file' | 'directory'; realPath: string } | { kind: 'skipped'; reason: string };

const NOT_REGULAR: Target = { kind: 'skipped', reason: 'not a regular file' };

function direntTarget(dirent: Dirent, realPath: string): Target {
  if (dirent.isFile()) return { kind: 'file', realPath };
  if (dirent.isDirectory()) return { kind: 'directory', realPath };
  return NOT_REGULAR; // FIFOs, sockets, devices: reading them would block or never end
}

/** Followed only when the real target stays inside the root. */
async function followSymlink(absPath: string, rootReal: string): Promise<Target> {
  let realPath: string;
  try {
    realPath = await realpath(absPath);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { kind: 'skipped', reason: 'broken symlink' };
    if (code === 'ELOOP') return { kind: 'skipped', reason: 'symlink loop' };
    return { kind: 'skipped', reason: `unreadable symlink: ${code}` };
  }
  if (!isWithin(rootReal, realPath)) return { kind: 'skipped', reason: 'symlink leaves the root' };
  try {
    const stats = await stat(realPath);
    if (stats.isFile()) return { kind: 'file', realPath };
    if (stats.isDirectory()) return { kind: 'directory', realPath };
    return NOT_REGULAR;
  } catch (error) {
    return { kind: 'skipped', reason: `unreadable symlink: ${errorCode(error)}` };
  }
}

type Listing = { dirents: Dirent[]; gitignore: GitignoreStack } | { reason: string; error: unknown };

async function listFolder(folder: Folder, respectGitignore: boolean): Promise<Listing> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(folder.absPath, { withFileTypes: true });
  } catch (error) {
    return { reason: `unreadable directory: ${errorCode(error)}`, error };
  }
  if (!respectGitignore || !dirents.some((dirent) => dirent.name === '.gitignore' && !dirent.isDirectory())) {
    return { dirents, gitignore: folder.gitignore };
  }
  try {
    const content = await readFile(join(folder.absPath, '.gitignore'), 'utf8');
    return { dirents, gitignore: withGitignore(folder.gitignore, folder.path, content) };
  } catch (error) {
    // Without its rules we cannot tell what the user wanted left out, so leave out the folder.
    return { reason: `unreadable .gitignore: ${errorCode(error)}`, error };
  }
}

/**
 * join() for a normalized absolute folder and a plain name (no separator in it): the same path at a
 * fraction of the cost, which a big tree pays for every entry.
 */
function childPath(folder: string, name: string): string {
  return folder.endsWith(sep) ? `${folder}${name}` : `${folder}${sep}${name}`;
}

function isWithin(parent: string, child: string): boolean {
  const path = relative(parent, child);
  // relative() gives an absolute path across Windows drives
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

async function realPathIfExists(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}
