import { hostname } from 'node:os';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export class IndexLockedError extends Error {
  constructor(
    readonly holder: LockHolder,
    readonly lockPath: string,
  ) {
    super(
      `the index is locked by process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since}); ` +
        `wait for it, or pass --wait-lock to wait`,
    );
    this.name = 'IndexLockedError';
  }
}

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface IndexLock {
  release(): Promise<void>;
  /** Set when the lock was taken over from a process that had died holding it. */
  takenOverFrom?: LockHolder;
}

/**
 * One writer per index: an exclusive lock file holding the owner's pid. A lock whose process is gone
 * (same host, pid not alive) is stale and taken over.
 */
export async function acquireIndexLock(
  stateDir: string,
  command: string,
  options: { wait: boolean; pollMs?: number; onWait?: (holder: LockHolder) => void },
): Promise<IndexLock> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, 'lock');
  const me: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  let told = false;
  let takenOverFrom: LockHolder | undefined;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      // No fsync: a lock only guards live processes, and none outlives a power loss that could lose it.
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return { takenOverFrom, release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    // An empty or half-written lock may belong to a process writing it right now: only an old one is stale.
    if (!holder && !(await olderThan(path, HALF_WRITTEN_GRACE_MS))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    if (!holder || isStale(holder)) {
      takenOverFrom = holder;
      await rm(path, { force: true });
      continue;
    }
    if (!options.wait) throw new IndexLockedError(holder, path);
    if (!told) options.onWait?.(holder);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

const HALF_WRITTEN_GRACE_MS = 2_000;

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return true;
  }
}

/** Who holds the index lock, if anyone (as far as its file says). */
export function readLockHolder(stateDir: string): Promise<LockHolder | undefined> {
  return readHolder(join(stateDir, 'lock'));
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    // Unreadable or half-written by a process that died while creating it.
    return undefined;
  }
}

function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
