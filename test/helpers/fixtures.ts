import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import iconv from 'iconv-lite';

export async function tempDir(prefix = 'gbi-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

function paragraphs(topic: string, count: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    lines.push(
      `The ${topic} paragraph ${i} explains how ${topic} behaves when step ${i} runs, which settings matter, ` +
        `and what a careful operator checks before moving on to step ${i + 1} of the ${topic} procedure.`,
      '',
    );
  }
  return lines.join('\n');
}

/** A small corpus with Markdown structure, several encodings, code and a binary file. */
export function fixtureCorpus(): Record<string, string | Uint8Array> {
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('# UTF-16 notes\n\nThe quokka lives on Rottnest Island.\n', 'utf16le')]);
  const shiftJis = iconv.encode(
    '# 日本語の文書\n\n東京の天気は晴れです。桜の季節には多くの人が公園を訪れます。日本語の文章を正しく読み込めるか確認します。\n',
    'Shift_JIS',
  );
  const latin1 = iconv.encode(
    'Les élèves français étudient la géographie à l’école. Ça coûte très cher à Genève, où les hôtels sont chers.\n',
    'latin1',
  );
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(200, 7)]);
  return {
    'guide/install.md': `# Installing\n\n## From npm\n\n${paragraphs('installation', 6)}\n## From source\n\n\`\`\`sh\n# build it\nnpm ci\nnpm run build\n\`\`\`\n\n${paragraphs('compilation', 4)}`,
    'guide/retries.md': `# Retries\n\n## Backoff\n\n${paragraphs('backoff', 8)}\n## Limits\n\n${paragraphs('quota', 5)}`,
    'notes/plain.txt': paragraphs('gardening', 10),
    'src/example.ts': Array.from({ length: 60 }, (_, i) => `export const value${i} = ${i} * 2; // line ${i}`).join('\n'),
    'encodings/utf16.md': utf16,
    'encodings/shift-jis.txt': shiftJis,
    'encodings/latin1.txt': latin1,
    'images/logo.png': png,
    // Excluded by default: credentials must never reach an API.
    '.env': 'GEMINI_API_KEY=this-must-never-be-indexed\n',
  };
}
