import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../src/pipeline/build.js';
import { run } from '../src/cli/program.js';
import { offlineEnv, parseJson, runCli } from './helpers/cli.js';
import { fixtureCorpus, tempDir, writeTree } from './helpers/fixtures.js';
import { PassThrough } from 'node:stream';

describe('command line', () => {
  let work: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    work = await tempDir();
    await writeTree(join(work.path, 'docs'), fixtureCorpus());
  });
  afterAll(() => work.remove());

  it('every command answers --help with exit 0', async () => {
    for (const command of ['build', 'search', 'status', 'collect', 'jobs', 'optimize', 'emulator']) {
      const result = await runCli([command, '--help']);
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toContain(`Usage: gbi ${command}`);
    }
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown command or flag is a usage error (exit 2)', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['build', '--frobnicate'])).code).toBe(2);
    expect((await runCli(['search'])).code).toBe(2);
  });

  it('takes defaults from gbi.config.json, lets the command line win, and refuses unknown keys', async () => {
    const cwd = work.path;
    await writeFile(join(cwd, 'gbi.config.json'), JSON.stringify({ dims: 256, build: { chunkTokens: 64 }, index: 'from-config' }));
    const fromConfig = parseJson<BuildSummary>(await runCli(['build', 'docs', '--json', '--dry-run'], { cwd }));
    expect(fromConfig.dims).toBe(256);
    expect(fromConfig.index).toBe(join(cwd, 'from-config'));
    const overridden = parseJson<BuildSummary>(await runCli(['build', 'docs', '--dims', '512', '--json', '--dry-run'], { cwd }));
    expect(overridden.dims).toBe(512);
    expect(overridden.chunks.planned).toBe(fromConfig.chunks.planned);
    await writeFile(join(cwd, 'gbi.config.json'), JSON.stringify({ dim: 256 }));
    const typo = await runCli(['build', 'docs', '--dry-run'], { cwd });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"dim" is not an option of any gbi command');
    await writeFile(join(cwd, 'gbi.config.json'), JSON.stringify({ dims: 'abc' }));
    const badValue = await runCli(['build', 'docs', '--dry-run'], { cwd });
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('"dims" is invalid: --dims takes a whole number');
    await writeFile(join(cwd, 'gbi.config.json'), JSON.stringify({ exclude: ['src/**'], summaries: true }));
    const listed = parseJson<BuildSummary>(await runCli(['build', 'docs', '--json', '--dry-run'], { cwd }));
    expect(listed.files.seen).toBe(fromConfig.files.seen - 1);
    expect(listed.summaries?.requested).toBeGreaterThan(0);
    await writeFile(join(cwd, 'gbi.config.json'), '{ not json');
    expect((await runCli(['status'], { cwd })).code).toBe(2);
    await writeFile(join(cwd, 'gbi.config.json'), '{}');
  });

  it('gbi emulator prints its URL and serves a build until stopped', async () => {
    const stdout = new PassThrough();
    let url = '';
    const printed = new Promise<void>((resolve) =>
      stdout.on('data', (chunk: Buffer) => {
        url = JSON.parse(chunk.toString()).url;
        resolve();
      }),
    );
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const emulator = run(['emulator', '--port', '0', '--latency', '5', '--json'], { stdout, stderr: new PassThrough(), env: offlineEnv(), cwd: work.path }, { untilStopped: () => stopped });
    await printed;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const built = await runCli(['build', join(work.path, 'docs'), '--index', join(work.path, 'idx'), '--endpoint', url, '--json', '--dims', '128']);
    expect(built.code, built.stderr).toBe(0);
    expect(parseJson<BuildSummary>(built).backend).toBe(`emulator at ${url}`);
    stop();
    expect(await emulator).toBe(0);
  });
});
