import type { BackendOptions } from '../backend.js';
import { openIndexBackend } from './session.js';
import { batchStateOf, Ledger, type BatchState } from '../batch/index.js';
import { stateDirOf } from '../store/index.js';

export interface ServiceJob {
  name: string;
  displayName: string;
  state: BatchState;
  model: string;
  createTime: string;
  /** The ledger id when this index's ledger tracks the job. */
  ledgerId?: string;
}

/** The batch jobs the service knows, newest first, marked where this index's ledger tracks them. */
export async function listJobs(options: { index: string; backend?: BackendOptions; limit?: number }): Promise<ServiceJob[]> {
  const ledger = await Ledger.open(stateDirOf(options.index));
  const tracked = new Map(ledger.jobs.filter((job) => job.name).map((job) => [job.name!, job.id]));
  const backend = await openIndexBackend(options.index, options.backend);
  try {
    const jobs: ServiceJob[] = [];
    const pager = await backend.ai.batches.list({ config: { pageSize: 50 } });
    for await (const job of pager) {
      jobs.push({
        name: job.name ?? '',
        displayName: job.displayName ?? '',
        state: batchStateOf(job.state),
        model: job.model ?? '',
        createTime: job.createTime ?? '',
        ledgerId: tracked.get(job.name ?? ''),
      });
      if (jobs.length >= (options.limit ?? 100)) break;
    }
    return jobs;
  } finally {
    await backend.close();
  }
}

/** Cancels or deletes a job by its `batches/…` name; a ledger job loads as cancelled at the next collect. */
export async function changeJob(action: 'cancel' | 'delete', options: { index: string; name: string; backend?: BackendOptions }): Promise<void> {
  const name = options.name.startsWith('batches/') ? options.name : `batches/${options.name}`;
  const backend = await openIndexBackend(options.index, options.backend);
  try {
    if (action === 'cancel') await backend.ai.batches.cancel({ name });
    else await backend.ai.batches.delete({ name });
  } finally {
    await backend.close();
  }
}
