import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../src/emulator/index.js';
import { offlineEnv, runCli } from './helpers/cli.js';
import { fixtureCorpus, tempDir, writeTree } from './helpers/fixtures.js';

const SECRET = 'gbi-test-only-secret-0123456789abcdef';

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('the API key never leaks', () => {
  let corpus: { path: string; remove: () => Promise<void> };
  let accepting: EmulatorHandle;
  let refusing: EmulatorHandle;
  beforeAll(async () => {
    corpus = await tempDir();
    await writeTree(corpus.path, fixtureCorpus());
    accepting = await startEmulator({ latencyMs: 5 });
    refusing = await startEmulator({ latencyMs: 5, apiKey: 'the-only-key-this-emulator-takes' });
  });
  afterAll(async () => {
    await accepting.close();
    await refusing.close();
    await corpus.remove();
  });

  it('is in no output, ledger, work file or index file of a build, status and search', async () => {
    const out = await tempDir();
    const index = join(out.path, 'index');
    const env = offlineEnv({ GEMINI_API_KEY: SECRET });
    const outputs: string[] = [];
    for (const args of [
      ['build', corpus.path, '--index', index, '--endpoint', accepting.url, '--input', 'file', '--summaries', '--dims', '128', '--no-wait'],
      ['status', '--index', index, '--endpoint', accepting.url, '--json'],
      ['build', corpus.path, '--index', index, '--endpoint', accepting.url, '--summaries', '--dims', '128'],
      ['search', 'backoff quota', '--index', index, '--endpoint', accepting.url, '--json'],
    ]) {
      const result = await runCli(args, { env });
      expect(result.code, result.stderr).toBe(0);
      outputs.push(result.stdout, result.stderr);
    }
    for (const text of outputs) expect(text).not.toContain(SECRET);
    const files = await filesUnder(index);
    expect(files.some((file) => file.endsWith('ledger.json'))).toBe(true);
    for (const file of files) expect((await readFile(file)).includes(SECRET), file).toBe(false);
    await out.remove();
  });

  it('is not in the error a refused key produces', async () => {
    const out = await tempDir();
    const result = await runCli(['build', corpus.path, '--index', join(out.path, 'index'), '--endpoint', refusing.url, '--dims', '128'], {
      env: offlineEnv({ GEMINI_API_KEY: SECRET, GBI_RETRY_INITIAL_MS: '1' }),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the Gemini API refused the request (400 INVALID_ARGUMENT): API key not valid');
    expect(result.stderr).toContain('check GEMINI_API_KEY');
    expect(result.stderr + result.stdout).not.toContain(SECRET);
    await out.remove();
  });
});
