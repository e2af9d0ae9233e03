/** Worker thread of EmbedWorkerPool: prepares the blocks of embed-job input it is sent. */
import { parentPort } from 'node:worker_threads';
import { prepareEmbedBlock } from './embed-blocks.js';
import type { EmbedWorkerReply, EmbedWorkerRequest } from './embed-pool.js';

const port = parentPort;
if (!port) throw new Error('embed-worker runs as a worker thread');
port.on('message', ({ id, block }: EmbedWorkerRequest) => {
  let reply: EmbedWorkerReply;
  try {
    reply = { id, block: prepareEmbedBlock(block) };
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, reply.block ? [reply.block.lines.buffer] : []);
});
