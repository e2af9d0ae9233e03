import { fromMarkdown } from 'mdast-util-from-markdown';
import { rangeUnits, type LineTable } from './lines.js';
import { emptyOutline, pushAtom, pushLineAtoms, RANK_BLOCK, RANK_CHILD, type Outline } from './outline.js';

type Root = ReturnType<typeof fromMarkdown>;
type MdNode = Root['children'][number];
type Heading = Extract<MdNode, { type: 'heading' }>;

/**
 * Inline syntax never changes block structure, and the chunker only needs blocks, so the document
 * is parsed with inline constructs off (about a third faster); heading text is re-parsed inline.
 */
const INLINE_CONSTRUCTS = [
  'attention',
  'autolink',
  'characterEscape',
  'characterReference',
  'codeText',
  'hardBreakEscape',
  'htmlText',
  'labelStartImage',
  'labelStartLink',
  'labelEnd',
];
const FLOW_CONSTRUCTS = [
  'blockQuote',
  'codeFenced',
  'codeIndented',
  'definition',
  'headingAtx',
  'htmlFlow',
  'list',
  'setextUnderline',
  'thematicBreak',
];
const BLOCKS_ONLY = { extensions: [{ disable: { null: INLINE_CONSTRUCTS } }] };
const INLINE_ONLY = { extensions: [{ disable: { null: FLOW_CONSTRUCTS } }] };

export function isMarkdownPath(path: string): boolean {
  return /\.(md|markdown|mdx)$/i.test(path);
}

interface ParsedMarkdown {
  /** Lines of YAML (---) or TOML (+++) front matter at the top, 0 when there is none. */
  frontMatterLines: number;
  /** Top-level blocks of the text after the front matter; their lines are offset by frontMatterLines. */
  blocks: readonly MdNode[];
}

/**
 * The parser has no front matter extension installed: without one, `---` + YAML + `---` parses as a
 * thematic break and a setext heading, so front matter is cut off by hand before parsing.
 */
function findFrontMatter(text: string): { lines: number; bodyStart: number } {
  const none = { lines: 0, bodyStart: 0 };
  const opening = /^(---|\+\+\+)[ \t]*(?:\n|$)/.exec(text);
  if (!opening) return none;
  const closing = opening[1] === '---' ? /^(?:---|\.\.\.)[ \t]*$/ : /^\+\+\+[ \t]*$/;
  for (let line = 1, start = opening[0].length; start < text.length; line++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (closing.test(text.slice(start, end))) return { lines: line + 1, bodyStart: end + 1 };
    start = end + 1;
  }
  return none;
}

/** One-entry memo: chunkDocument and documentTitle on the same text parse it once. */
let lastParse: { text: string; parsed: ParsedMarkdown } | undefined;

function parseMarkdown(text: string): ParsedMarkdown {
  if (lastParse?.text === text) return lastParse.parsed;
  const frontMatter = findFrontMatter(text);
  const body = frontMatter.lines > 0 ? text.slice(frontMatter.bodyStart) : text;
  const parsed = { frontMatterLines: frontMatter.lines, blocks: fromMarkdown(body, BLOCKS_ONLY).children };
  lastParse = { text, parsed };
  return parsed;
}

interface InlineNode {
  type: string;
  value?: string;
  alt?: string | null;
  children?: InlineNode[];
}

/** Plain text of an inline tree (text, inline code, image alt). */
function plainText(node: InlineNode): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value ?? '';
  if (node.type === 'image') return node.alt ?? '';
  if (node.type === 'break') return ' ';
  return (node.children ?? []).map(plainText).join('');
}

function headingText(heading: Heading): string {
  const raw = heading.children.map((child) => ('value' in child ? child.value : '')).join('');
  const oneLine = raw.replace(/\s*\n\s*/g, ' ').trim();
  if (!/[`*_[\]<>&\\!~]/.test(oneLine)) return oneLine;
  return plainText(fromMarkdown(oneLine, INLINE_ONLY)).trim();
}

function containerChildren(node: MdNode): readonly MdNode[] {
  return node.type === 'list' || node.type === 'listItem' || node.type === 'blockquote' ? node.children : [];
}

export interface SplitLimits {
  /** Lists and block quotes above this many units are cut into their children. */
  containerUnits: number;
  /** Any other block above this many units is cut into lines. */
  leafUnits: number;
}

/**
 * Atoms of a Markdown document: top-level blocks, each heading starting a section. Front matter is a
 * label atom glued to the first block after it, so it is folded into the first chunk.
 */
export function markdownOutline(table: LineTable, limits: SplitLimits): Outline {
  const { frontMatterLines, blocks } = parseMarkdown(table.text);
  const outline = emptyOutline();

  const lineRange = (node: MdNode): [number, number] => {
    const start = node.position!.start;
    const end = node.position!.end;
    // An end at column 1 points just past the node's last line.
    const endLine = end.column === 1 && end.line > start.line ? end.line - 1 : end.line;
    return [start.line - 1 + frontMatterLines, endLine - 1 + frontMatterLines];
  };

  const atomize = (node: MdNode, first: number, last: number, rank: number, section: number): void => {
    const units = rangeUnits(table, first, last);
    const children = containerChildren(node);
    if (children.length > 0 && units > limits.containerUnits) {
      children.forEach((child, k) => {
        // The first and last child also take the container's own lines (a bare `-`, trailing `>`).
        const [childFirst, childLast] = lineRange(child);
        const from = k === 0 ? first : childFirst;
        const to = k === children.length - 1 ? last : childLast;
        atomize(child, from, to, k === 0 ? rank : RANK_CHILD, section);
      });
    } else if (units > limits.leafUnits) {
      pushLineAtoms(outline, table, first, last, rank, section);
    } else {
      pushAtom(outline, { first, last, rank, section, label: false, whole: node.type === 'code' });
    }
  };

  const pushLabel = (first: number, last: number, rank: number, section: number): void => {
    if (rangeUnits(table, first, last) > limits.leafUnits) pushLineAtoms(outline, table, first, last, rank, section);
    else pushAtom(outline, { first, last, rank, section, label: true, whole: true });
  };

  if (frontMatterLines > 0) pushLabel(0, frontMatterLines - 1, RANK_BLOCK, 0);

  const trail: Array<{ depth: number; text: string }> = [];
  for (const node of blocks) {
    const [first, last] = lineRange(node);
    if (node.type !== 'heading') {
      atomize(node, first, last, RANK_BLOCK, outline.sections.length - 1);
      continue;
    }
    while (trail.length > 0 && trail[trail.length - 1]!.depth >= node.depth) trail.pop();
    trail.push({ depth: node.depth, text: headingText(node) });
    outline.sections.push({ trail: trail.map((h) => h.text), firstLine: first });
    pushLabel(first, last, node.depth, outline.sections.length - 1);
  }
  return outline;
}

function frontMatterTitle(text: string, frontMatterLines: number): string | undefined {
  if (frontMatterLines === 0 || !text.startsWith('---')) return undefined;
  const lines = text.split('\n', frontMatterLines - 1);
  for (const line of lines.slice(1)) {
    const match = /^title:[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!match) continue;
    const value = match[1]!;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    const title = quoted ? quoted[2]! : value.replace(/[ \t]+#.*$/, '');
    // Block scalars (`|`, `>`) and empty values fall back to the first H1.
    return title === '' || /^[|>]/.test(title) ? undefined : title;
  }
  return undefined;
}

/** Front matter `title:`, else the first top-level H1 (ATX or setext); undefined when neither. */
export function markdownTitle(text: string): string | undefined {
  const { frontMatterLines, blocks } = parseMarkdown(text);
  const fromFrontMatter = frontMatterTitle(text, frontMatterLines);
  if (fromFrontMatter !== undefined) return fromFrontMatter;
  const h1 = blocks.find((node): node is Heading => node.type === 'heading' && node.depth === 1);
  const title = h1 ? headingText(h1) : '';
  return title === '' ? undefined : title;
}
