// The user's include/exclude globs, matched by fast-glob over a list of paths instead of the disk.
// fast-glob cannot apply nested .gitignore files or our symlink policy, so the tree scan decides
// what exists and fast-glob walks that list through its documented `fs` option: glob semantics
// (braces, extglobs, `*` not crossing `/`, static paths) stay exactly fast-glob's.
import type { Dirent, Stats } from 'node:fs';
import fg from 'fast-glob';

/** The subset of root-relative POSIX `paths` that `include` matches and `exclude` does not. */
export async function matchGlobs(paths: Iterable<string>, include: string[], exclude: string[]): Promise<Set<string>> {
  const matched = await fg(include, {
    cwd: VIRTUAL_ROOT,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: exclude,
    fs: virtualFileSystem(paths),
  });
  return new Set(matched);
}

const VIRTUAL_ROOT = '/';

type Callback<T> = (error: NodeJS.ErrnoException | null, value: T) => void;

/** readdir (with and without file types), lstat and stat over the folders implied by `paths`. */
function virtualFileSystem(paths: Iterable<string>): Partial<fg.FileSystemAdapter> {
  const entries = new Map<string, VirtualEntry>([[VIRTUAL_ROOT, new VirtualEntry('', true)]]);
  const children = new Map<string, VirtualEntry[]>([[VIRTUAL_ROOT, []]]);
  for (const path of paths) {
    const names = path.split('/');
    let parent = VIRTUAL_ROOT;
    for (let index = 0; index < names.length; index++) {
      const name = names[index];
      const absolute = parent === VIRTUAL_ROOT ? `/${name}` : `${parent}/${name}`;
      if (!entries.has(absolute)) {
        const entry = new VirtualEntry(name, index < names.length - 1);
        entries.set(absolute, entry);
        children.get(parent)?.push(entry);
        if (entry.isDirectory()) children.set(absolute, []);
      }
      parent = absolute;
    }
  }

  // Answer asynchronously, as fs does: fast-glob's walker expects it.
  const reply = <T>(callback: Callback<T>, path: string, value: T | undefined) =>
    process.nextTick(() => (value === undefined ? callback(notFound(path), undefined as never) : callback(null, value)));

  function readdir(path: string, options: { withFileTypes: true } | Callback<string[]>, callback?: Callback<Dirent[]>) {
    const list = children.get(path);
    if (typeof options === 'function') reply(options, path, list?.map((entry) => entry.name));
    else if (callback) reply(callback, path, list as Dirent[] | undefined);
  }
  function stat(path: string, callback: Callback<Stats>) {
    reply(callback, path, entries.get(path) as Stats | undefined);
  }
  return { readdir: readdir as fg.FileSystemAdapter['readdir'], lstat: stat, stat };
}

/**
 * Just enough of `fs.Dirent` and `fs.Stats` for fast-glob to tell files from folders; one per path,
 * so its methods live on the prototype rather than in closures made per entry.
 */
class VirtualEntry implements Pick<Dirent, 'name' | 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isBlockDevice' | 'isCharacterDevice' | 'isFIFO' | 'isSocket'> {
  constructor(
    readonly name: string,
    private readonly folder: boolean,
  ) {}
  isFile(): boolean {
    return !this.folder;
  }
  isDirectory(): boolean {
    return this.folder;
  }
  isSymbolicLink(): boolean {
    return false;
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
}

function notFound(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: 'ENOENT', path });
}
