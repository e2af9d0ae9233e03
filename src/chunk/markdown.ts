import MarkdownIt from 'markdown-it';
import { rangeUnits, type LineTable } from './lines.js';
import { emptyOutline, pushAtom, pushLineAtoms, RANK_BLOCK, RANK_CHILD, type Outline } from './outline.js';

/**
 * Plain CommonMark, without GFM tables: a table is then a paragraph over the same lines, which is
 * all the chunker needs. Inline syntax never changes block structure, so the document is parsed
 * with the inline rules off (inline tokens keep their raw `content`); heading text is parsed
 * inline on its own by a second, complete parser. The source is normalised by normalizeSource
 * instead of the parser's own rule, which would rescan every document for CRs and NULs.
 */
const blockParser = new MarkdownIt('commonmark');
blockParser.core.ruler.disable(['normalize', 'inline', 'text_join']);
const inlineParser = new MarkdownIt('commonmark');

type Token = InstanceType<typeof MarkdownIt.Token>;

/**
 * A Token with the same fields and prototype, set by plain assignment: markdown-it's own
 * constructor sets each field through a transpiled defineProperty helper, which costs as much as
 * the rest of a block parse.
 */
interface BlockToken extends Token {}
class BlockToken {
  constructor(type: string, tag: string, nesting: Token['nesting'], level: number) {
    this.type = type;
    this.tag = tag;
    this.attrs = null;
    this.map = null;
    this.nesting = nesting;
    this.level = level;
    this.children = null;
    this.content = '';
    this.markup = '';
    this.info = '';
    this.meta = null;
    this.block = true;
    this.hidden = false;
  }
}
Object.setPrototypeOf(BlockToken.prototype, MarkdownIt.Token.prototype);

type StateBlock = InstanceType<typeof MarkdownIt.StateBlock>;

/**
 * The block parser's state with StateBlock's fields and prototype, built without its constructor:
 * that one visits every character in JS to find line ends, where only the indentation needs a
 * look and indexOf finds the ends. The line marks are the same, including StateBlock's quirk that a
 * last line of only spaces or tabs with no newline after it is not a line. It pushes BlockTokens;
 * the level bookkeeping is StateBlock.push's (the markdown-it version is pinned, and
 * test/chunk.test.ts pins the resulting chunks).
 */
interface BlockState extends StateBlock {}
class BlockState {
  constructor(src: string, md: StateBlock['md'], env: StateBlock['env'], tokens: Token[]) {
    this.src = src;
    this.md = md;
    this.env = env;
    this.tokens = tokens;
    this.bMarks = [];
    this.eMarks = [];
    this.tShift = [];
    this.sCount = [];
    this.bsCount = [];
    this.blkIndent = 0;
    this.line = 0;
    this.tight = false;
    this.listIndent = -1;
    this.parentType = 'root';
    this.level = 0;
    this.Token = MarkdownIt.Token;
    const length = src.length;
    for (let start = 0; start < length; ) {
      let pos = start;
      let indent = 0;
      let offset = 0;
      for (let code = src.charCodeAt(pos); code === 0x20 || code === 0x09; code = src.charCodeAt(++pos)) {
        indent++;
        offset += code === 0x09 ? 4 - (offset % 4) : 1;
      }
      if (pos === length) break;
      const newline = src.indexOf('\n', pos);
      const end = newline === -1 ? length : newline;
      this.bMarks.push(start);
      this.eMarks.push(end);
      this.tShift.push(indent);
      this.sCount.push(offset);
      this.bsCount.push(0);
      start = end + 1;
    }
    this.bMarks.push(length);
    this.eMarks.push(length);
    this.tShift.push(0);
    this.sCount.push(0);
    this.bsCount.push(0);
    this.lineMax = this.bMarks.length - 1;
  }

  push(type: string, tag: string, nesting: Token['nesting']): Token {
    if (nesting < 0) this.level--;
    const token = new BlockToken(type, tag, nesting, this.level);
    if (nesting > 0) this.level++;
    this.tokens.push(token);
    return token;
  }
}
Object.setPrototypeOf(BlockState.prototype, MarkdownIt.StateBlock.prototype);
blockParser.block.State = BlockState as unknown as typeof MarkdownIt.StateBlock;

/** Block tokens of normalised Markdown source (see normalizeSource), inline content left raw. */
export function blockTokens(source: string): Token[] {
  return blockParser.parse(source, {});
}

const CONTAINER_TYPES = new Set(['bullet_list_open', 'ordered_list_open', 'list_item_open', 'blockquote_open']);
const CODE_TYPES = new Set(['fence', 'code_block']);

export function isMarkdownPath(path: string): boolean {
  return /\.(md|markdown|mdx)$/i.test(path);
}

interface ParsedMarkdown {
  /** Lines of YAML (---) or TOML (+++) front matter at the top, 0 when there is none. */
  frontMatterLines: number;
  /** Block tokens of the text after the front matter; their `map` lines are offset by frontMatterLines. */
  tokens: readonly Token[];
  /** For each opening token the index of its closing token; for any other token its own index. */
  closeOf: Int32Array;
}

/**
 * The parser has no front matter plugin installed: without one, `---` + YAML + `---` parses as a
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

/**
 * What the parser's normalize rule does (CRLF to LF, NUL to U+FFFD), except that a lone CR becomes
 * a space: the parser would read it as a line break, the line table does not, and both must count
 * the same lines.
 */
function normalizeSource(text: string): string {
  let source = text;
  if (source.includes('\r')) source = source.replace(/\r\n?/g, (crlf) => (crlf.length === 2 ? '\n' : ' '));
  if (source.includes('\0')) source = source.replace(/\0/g, '\uFFFD');
  return source;
}

function matchingCloses(tokens: readonly Token[]): Int32Array {
  const closeOf = new Int32Array(tokens.length);
  const open: number[] = [];
  tokens.forEach((token, i) => {
    closeOf[i] = i;
    if (token.nesting === 1) open.push(i);
    else if (token.nesting === -1) closeOf[open.pop()!] = i;
  });
  return closeOf;
}

/** One-entry memo: chunkDocument and documentTitle on the same text parse it once. */
let lastParse: { text: string; parsed: ParsedMarkdown } | undefined;

function parseMarkdown(text: string): ParsedMarkdown {
  if (lastParse?.text === text) return lastParse.parsed;
  const frontMatter = findFrontMatter(text);
  const body = frontMatter.lines > 0 ? text.slice(frontMatter.bodyStart) : text;
  const tokens = blockTokens(normalizeSource(body));
  const parsed = { frontMatterLines: frontMatter.lines, tokens, closeOf: matchingCloses(tokens) };
  lastParse = { text, parsed };
  return parsed;
}

/** Indices of the blocks in tokens[from, to), which must hold whole blocks of one level. */
function blocksIn(parsed: ParsedMarkdown, from: number, to: number): number[] {
  const blocks: number[] = [];
  for (let i = from; i < to; i = parsed.closeOf[i]! + 1) blocks.push(i);
  return blocks;
}

/** Children of the container block opened at tokens[open]. */
function childBlocks(parsed: ParsedMarkdown, open: number): number[] {
  return blocksIn(parsed, open + 1, parsed.closeOf[open]!);
}

/** Plain text of inline tokens: text, code spans and image descriptions; markup and HTML dropped. */
function plainText(tokens: readonly Token[]): string {
  let text = '';
  for (const token of tokens) {
    if (token.type === 'text' || token.type === 'code_inline') text += token.content;
    else if (token.type === 'image') text += plainText(token.children ?? []);
    else if (token.type === 'softbreak' || token.type === 'hardbreak') text += ' ';
  }
  return text;
}

/** Heading text without inline Markdown, on one line. */
function headingText(raw: string): string {
  // Only setext headings span lines; the regex is costly enough to skip on the many that do not.
  const oneLine = (raw.includes('\n') ? raw.replace(/\s*\n\s*/g, ' ') : raw).trim();
  if (!/[`*_[\]<>&\\!~]/.test(oneLine)) return oneLine;
  const [inline] = inlineParser.parseInline(oneLine, {});
  return plainText(inline?.children ?? []).trim();
}

/** The heading's text, from the inline token that follows its opening token. */
function headingAt(parsed: ParsedMarkdown, open: number): { depth: number; text: string } {
  return { depth: Number(parsed.tokens[open]!.tag.slice(1)), text: headingText(parsed.tokens[open + 1]!.content) };
}

/** The line starts with `[` after at most three spaces, as a link definition does. */
function startsWithBracket(table: LineTable, line: number): boolean {
  let i = table.charStart[line]!;
  const end = Math.min(i + 3, table.charStart[line + 1]! - 1);
  while (i < end && table.text.charCodeAt(i) === 0x20) i++;
  return table.text.charCodeAt(i) === 0x5b;
}

function lastNonBlank(table: LineTable, first: number, last: number): number {
  while (last > first && table.blank[last] === 1) last--;
  return last;
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
  const parsed = parseMarkdown(table.text);
  const { frontMatterLines, tokens } = parsed;
  const outline = emptyOutline();

  /** 0-based line where the block at tokens[i] starts. */
  const startLine = (i: number): number => tokens[i]!.map![0] + frontMatterLines;

  /** 0-based inclusive lines of the block at tokens[i]; the parser's range may end in blank lines. */
  const lineRange = (i: number): [number, number] => {
    const first = startLine(i);
    return [first, lastNonBlank(table, first, tokens[i]!.map![1] - 1 + frontMatterLines)];
  };

  const atomize = (block: number, first: number, last: number, rank: number, section: number): void => {
    const units = rangeUnits(table, first, last);
    const isBigContainer = CONTAINER_TYPES.has(tokens[block]!.type) && units > limits.containerUnits;
    const children = isBigContainer ? childBlocks(parsed, block) : [];
    if (children.length > 0) {
      children.forEach((child, k) => {
        // Children tile the container: the first and the last take its own lines (a bare `-`), and
        // lines between children (a bare `>`, a link definition) stay with the child before them.
        const from = k === 0 ? first : startLine(child);
        const to = k === children.length - 1 ? last : lastNonBlank(table, from, startLine(children[k + 1]!) - 1);
        atomize(child, from, to, k === 0 ? rank : RANK_CHILD, section);
      });
    } else if (units > limits.leafUnits) {
      pushLineAtoms(outline, table, first, last, rank, section);
    } else {
      pushAtom(outline, { first, last, rank, section, label: false, whole: CODE_TYPES.has(tokens[block]!.type) });
    }
  };

  const pushLabel = (first: number, last: number, rank: number, section: number): void => {
    if (rangeUnits(table, first, last) > limits.leafUnits) pushLineAtoms(outline, table, first, last, rank, section);
    else pushAtom(outline, { first, last, rank, section, label: true, whole: true });
  };

  /**
   * Lines no top-level block holds are link definitions, which leave no token. Each is a block of
   * its own: it starts at a `[` line and takes the lines after it up to a blank line.
   */
  const pushDefinitions = (first: number, last: number): void => {
    const section = outline.sections.length - 1;
    for (let line = first; line <= last; line++) {
      if (table.blank[line] === 1) continue;
      const start = line;
      while (line < last && table.blank[line + 1] === 0 && !startsWithBracket(table, line + 1)) line++;
      pushAtom(outline, { first: start, last: line, rank: RANK_BLOCK, section, label: false, whole: false });
    }
  };

  if (frontMatterLines > 0) pushLabel(0, frontMatterLines - 1, RANK_BLOCK, 0);

  const trail: Array<{ depth: number; text: string }> = [];
  let nextLine = frontMatterLines; // first line after the blocks so far
  for (const block of blocksIn(parsed, 0, tokens.length)) {
    const [first, last] = lineRange(block);
    pushDefinitions(nextLine, first - 1);
    nextLine = last + 1;
    if (tokens[block]!.type !== 'heading_open') {
      atomize(block, first, last, RANK_BLOCK, outline.sections.length - 1);
      continue;
    }
    const heading = headingAt(parsed, block);
    while (trail.length > 0 && trail[trail.length - 1]!.depth >= heading.depth) trail.pop();
    trail.push(heading);
    outline.sections.push({ trail: trail.map((h) => h.text), firstLine: first });
    pushLabel(first, last, heading.depth, outline.sections.length - 1);
  }
  pushDefinitions(nextLine, table.count - 1);
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
  const parsed = parseMarkdown(text);
  const fromFrontMatter = frontMatterTitle(text, parsed.frontMatterLines);
  if (fromFrontMatter !== undefined) return fromFrontMatter;
  const h1 = blocksIn(parsed, 0, parsed.tokens.length).find((i) => parsed.tokens[i]!.tag === 'h1');
  const title = h1 === undefined ? '' : headingAt(parsed, h1).text;
  return title === '' ? undefined : title;
}
