/**
 * `--path` as a SQL predicate LanceDB evaluates before ranking, so `k` results survive the filter
 * in every mode. Globs become a `regexp_like` over the path column; picomatch and fast-glob compile to
 * JavaScript regular expressions with look-arounds, which the Rust regex engine behind LanceDB lacks,
 * so the glob syntax is translated here: `**`, `*`, `?`, `[…]` / `[^…]` classes, `{a,b}`, `\` escapes,
 * with picomatch's meaning, which build's `--include` has too (`[!a]` is the class of `!` and `a`).
 * One quirk is left out: `**` spans folders only as a whole segment, as picomatch documents, though
 * it also lets `**.md` or `**{a,b}` span them.
 */

const GLOB_SYNTAX = /[*?[{\\]/;
const REGEX_META = /[.+*?()|[\]{}^$\\]/g;

/** True when `pattern` uses glob syntax rather than naming a file or folder. */
export function isGlob(pattern: string): boolean {
  return GLOB_SYNTAX.test(pattern);
}

/**
 * An anchored regular expression (Rust syntax) matching what `pattern` selects: a glob matches
 * whole paths, `*` stays within one folder; a plain path matches that file and everything below it.
 */
export function pathRegex(pattern: string): string {
  // Paths are stored relative to the indexed root, so `./guides` means `guides`.
  const relative = pattern.replace(/^(\.\/)+/, '');
  if (!isGlob(relative)) return `^${escapeRegex(relative.replace(/\/+$/, ''))}(/.*)?$`;
  return `^${globBody(relative)}$`;
}

function globBody(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*' && isSegmentStart(glob, i) && isSegmentEnd(glob, i + 2)) {
      // Only a whole-segment `**` spans folders, any number, none included: `a/**/b` matches `a/b`.
      if (glob[i + 2] === '/') {
        out += '(.*/)?';
        i += 3;
      } else {
        out = out.endsWith('/') ? `${out.slice(0, -1)}(/.*)?` : `${out}.*`;
        i += 2;
      }
    } else if (char === '*') {
      out += '[^/]*';
      i += glob[i + 1] === '*' ? 2 : 1;
    } else if (char === '?') {
      out += '[^/]';
      i += 1;
    } else if (char === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[i + 1]);
      i += 2;
    } else if (char === '[' && classEnd(glob, i) !== -1) {
      const end = classEnd(glob, i);
      out += characterClass(glob.slice(i + 1, end));
      i = end + 1;
    } else if (char === '{' && braceEnd(glob, i) !== -1) {
      const end = braceEnd(glob, i);
      out += `(${splitAlternatives(glob.slice(i + 1, end)).map(globBody).join('|')})`;
      i = end + 1;
    } else {
      out += escapeRegex(char);
      i += 1;
    }
  }
  return out;
}

function isSegmentStart(glob: string, index: number): boolean {
  return index === 0 || glob[index - 1] === '/';
}

function isSegmentEnd(glob: string, index: number): boolean {
  return index === glob.length || glob[index] === '/';
}

/** The index of the `]` closing the class opened at `start`, or -1 when the `[` is a literal. */
function classEnd(glob: string, start: number): number {
  // A `]` right after `[` or `[^` is part of the class, as in POSIX brackets.
  let i = start + 1;
  if (glob[i] === '^') i += 1;
  if (glob[i] === ']') i += 1;
  return glob.indexOf(']', i);
}

function characterClass(body: string): string {
  const negated = body.startsWith('^');
  const members = (negated ? body.slice(1) : body).replace(/[\\[\]&~^]/g, '\\$&');
  // Like `*`, a negated class never crosses a folder boundary.
  return negated ? `[^/${members}]` : `[${members}]`;
}

/** The index of the `}` closing the brace opened at `start` if it holds a top-level comma, else -1. */
function braceEnd(glob: string, start: number): number {
  let depth = 0;
  let comma = false;
  for (let i = start; i < glob.length; i++) {
    const char = glob[i];
    if (char === '\\') i += 1;
    else if (char === '{') depth += 1;
    else if (char === ',' && depth === 1) comma = true;
    else if (char === '}' && --depth === 0) return comma ? i : -1;
  }
  return -1;
}

/** Splits the inside of a brace at its top-level commas. */
function splitAlternatives(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\') i += 1;
    else if (char === '{') depth += 1;
    else if (char === '}') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(body.slice(last, i));
      last = i + 1;
    }
  }
  parts.push(body.slice(last));
  return parts;
}

function escapeRegex(text: string): string {
  return text.replace(REGEX_META, '\\$&');
}
