/** The Files API: resumable uploads, file records, generated (batch output) files, downloads. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiFailure, failedPrecondition, invalidArgument, notFound } from './errors.js';
import { randomId } from './ids.js';
import { type Page, paginate } from './paging.js';
import { isPlainObject } from './proto-json.js';
import type { FileRecord, FileSource, StateStore, UploadSession } from './state.js';

/** The public URI the real API gives files; the SDK only reads the id out of it. */
const PUBLIC_API_ROOT = 'https://generativelanguage.googleapis.com';
const FILE_LIFETIME_MS = 48 * 60 * 60 * 1000;
const FILE_ID_PATTERN = /^[a-z0-9-]{1,40}$/;

export interface FileResource {
  name: string;
  displayName?: string;
  mimeType: string;
  sizeBytes: string;
  createTime: string;
  updateTime: string;
  expirationTime: string;
  sha256Hash: string;
  uri: string;
  downloadUri?: string;
  state: 'ACTIVE';
  source: FileSource;
}

export interface UploadStart {
  /** The body of the start request: `{file: {name?, displayName?, mimeType?, sizeBytes?}}`. */
  body: unknown;
  /** X-Goog-Upload-Header-Content-Type / -Content-Length. */
  headerMimeType?: string;
  headerSize?: string;
}

export function toFileResource(record: FileRecord): FileResource {
  const resource: FileResource = {
    name: `files/${record.id}`,
    ...(record.displayName === undefined ? {} : { displayName: record.displayName }),
    mimeType: record.mimeType,
    sizeBytes: String(record.sizeBytes),
    createTime: record.createTime,
    updateTime: record.updateTime,
    expirationTime: record.expirationTime,
    sha256Hash: record.sha256Hash,
    uri: `${PUBLIC_API_ROOT}/v1beta/files/${record.id}`,
    state: 'ACTIVE',
    source: record.source,
  };
  if (record.source === 'GENERATED') {
    resource.downloadUri = `${PUBLIC_API_ROOT}/download/v1beta/files/${record.id}:download?alt=media`;
  }
  return resource;
}

/** Accepts `files/abc` or `abc`. */
function fileIdFromName(name: string): string {
  return name.startsWith('files/') ? name.slice('files/'.length) : name;
}

export class FileService {
  constructor(private readonly store: StateStore) {}

  async startUpload({ body, headerMimeType, headerSize }: UploadStart): Promise<UploadSession> {
    const file = isPlainObject(body) && isPlainObject(body['file']) ? body['file'] : {};
    const fileId = this.newFileId(file['name']);
    const declared = file['sizeBytes'] ?? headerSize;
    const declaredSize = declared === undefined ? undefined : Number(declared);
    if (declaredSize !== undefined && !(Number.isInteger(declaredSize) && declaredSize >= 0)) {
      throw invalidArgument(`file.sizeBytes must be a non-negative integer, got ${JSON.stringify(declared)}.`);
    }
    const mimeType = typeof file['mimeType'] === 'string' ? file['mimeType'] : (headerMimeType ?? 'application/octet-stream');
    const session: UploadSession = {
      id: randomId(32),
      fileId,
      mimeType,
      receivedBytes: 0,
      createTime: new Date().toISOString(),
      ...(typeof file['displayName'] === 'string' ? { displayName: file['displayName'] } : {}),
      ...(declaredSize === undefined ? {} : { declaredSize }),
    };
    await writeFile(this.store.uploadBytesPath(session.id), '');
    this.store.uploads.set(session.id, session);
    this.store.save();
    return session;
  }

  session(uploadId: string): UploadSession {
    const session = this.store.uploads.get(uploadId);
    if (!session) throw notFound(`Upload session ${uploadId} not found (finished, cancelled or never started).`);
    return session;
  }

  /**
   * Appends a chunk received at `offset`. A chunk sent again at an earlier offset (its answer
   * was lost) replaces what followed that offset; a gap is an error.
   */
  async appendChunk(session: UploadSession, offset: number, chunk: Readable): Promise<number> {
    if (!Number.isInteger(offset) || offset < 0 || offset > session.receivedBytes) {
      throw invalidArgument(
        `X-Goog-Upload-Offset ${offset} does not match the ${session.receivedBytes} bytes received so far.`,
      );
    }
    const path = this.store.uploadBytesPath(session.id);
    if (offset < session.receivedBytes) await truncate(path, offset);
    await pipeline(chunk, createWriteStream(path, { flags: 'a' }));
    session.receivedBytes = (await stat(path)).size;
    this.store.save();
    return session.receivedBytes - offset;
  }

  async finalizeUpload(session: UploadSession): Promise<FileRecord> {
    if (session.declaredSize !== undefined && session.declaredSize !== session.receivedBytes) {
      throw invalidArgument(
        `Upload finalized after ${session.receivedBytes} bytes, but the upload declared ${session.declaredSize} bytes.`,
      );
    }
    const target = this.store.fileBytesPath(session.fileId);
    await rename(this.store.uploadBytesPath(session.id), target);
    this.store.uploads.delete(session.id);
    return this.addRecord(session.fileId, 'UPLOADED', session.mimeType, session.displayName);
  }

  async cancelUpload(session: UploadSession): Promise<void> {
    this.store.uploads.delete(session.id);
    this.store.save();
    await rm(this.store.uploadBytesPath(session.id), { force: true });
  }

  /** Registers a batch output file whose bytes are at `bytesPath` (moved into the store), given their sha256 (hex). */
  async addGenerated(fileId: string, bytesPath: string, displayName: string, sha256Hex: string): Promise<FileRecord> {
    await rename(bytesPath, this.store.fileBytesPath(fileId));
    return this.addRecord(fileId, 'GENERATED', 'application/jsonl', displayName, sha256Hex);
  }

  get(name: string): FileRecord {
    const id = fileIdFromName(name);
    const record = this.store.files.get(id);
    if (!record) throw notFound(`File files/${id} not found.`);
    return record;
  }

  list(query: URLSearchParams): Page<FileRecord> {
    const newestFirst = [...this.store.files.values()].sort((a, b) => b.sequence - a.sequence);
    return paginate(newestFirst, query, { defaultSize: 10, maxSize: 100 });
  }

  async delete(name: string): Promise<void> {
    const record = this.get(name);
    this.store.files.delete(record.id);
    this.store.save();
    await rm(this.store.fileBytesPath(record.id), { force: true });
  }

  /** Where to stream a download from. Like the real API, only generated files can be downloaded. */
  downloadable(name: string): { path: string; record: FileRecord } {
    const record = this.get(name);
    if (record.source !== 'GENERATED') {
      throw failedPrecondition(
        `File files/${record.id} was uploaded; only files generated by the API (batch results) can be downloaded.`,
      );
    }
    return { path: this.store.fileBytesPath(record.id), record };
  }

  private newFileId(requestedName: unknown): string {
    if (requestedName === undefined) return randomId(12);
    const id = typeof requestedName === 'string' ? fileIdFromName(requestedName) : '';
    if (!FILE_ID_PATTERN.test(id)) {
      throw invalidArgument(`file.name must be "files/" followed by 1-40 lowercase letters, digits or dashes.`);
    }
    const inUse = this.store.files.has(id) || [...this.store.uploads.values()].some((upload) => upload.fileId === id);
    if (inUse) throw new ApiFailure('ALREADY_EXISTS', `File files/${id} already exists.`);
    return id;
  }

  private async addRecord(
    id: string,
    source: FileSource,
    mimeType: string,
    displayName: string | undefined,
    knownSha256Hex?: string,
  ): Promise<FileRecord> {
    const path = this.store.fileBytesPath(id);
    const [{ size }, sha256Hex] = await Promise.all([stat(path), knownSha256Hex ?? sha256HexOf(path)]);
    const now = new Date();
    const record: FileRecord = {
      id,
      mimeType,
      sizeBytes: size,
      createTime: now.toISOString(),
      updateTime: now.toISOString(),
      expirationTime: new Date(now.getTime() + FILE_LIFETIME_MS).toISOString(),
      // The real API reports sha256Hash as base64 of the hex digest.
      sha256Hash: Buffer.from(sha256Hex).toString('base64'),
      source,
      sequence: this.store.nextSequence(),
      ...(displayName === undefined ? {} : { displayName }),
    };
    this.store.files.set(id, record);
    this.store.save();
    return record;
  }
}

async function sha256HexOf(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
