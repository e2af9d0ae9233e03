import { IndexStore, acquireIndexLock, stateDirOf, type MaintenanceReport } from '../store/index.js';
import { UsageError } from '../errors.js';

/** Compacts the index, folds new rows into its indexes, prunes every old version and unused vectors now. */
export async function optimize(options: { index: string; waitForLock?: boolean }): Promise<MaintenanceReport> {
  const lock = await acquireIndexLock(stateDirOf(options.index), 'gbi optimize', { wait: options.waitForLock ?? false });
  const store = await IndexStore.open(options.index);
  try {
    if (!store.exists) throw new UsageError(`no gbi index at ${options.index}; run gbi build first`);
    return await store.maintain({ pruneOlderThan: new Date(), pruneVectors: true, foldInNow: true });
  } finally {
    store.close();
    await lock.release();
  }
}
