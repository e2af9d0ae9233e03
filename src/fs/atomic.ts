import { open, rename, mkdir, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file so that a crash leaves either the old or the new content: temp, fsync, rename.
 * `content` is the text, or a writer handed the temp file (for content streamed from elsewhere).
 */
export async function writeFileAtomic(path: string, content: string | ((file: FileHandle) => Promise<void>)): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    if (typeof content === 'string') await handle.writeFile(content);
    else await content(handle);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/** Writes all of `bytes` at the handle's position: one write call may take only part of them. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length; ) written += (await handle.write(bytes, written)).bytesWritten;
}

/** Makes a rename durable: the directory entry must reach the disk too. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
