// .gitignore semantics over a tree: each file's patterns are relative to its own folder, and a
// deeper file overrides a shallower one (including re-including with `!pattern`).
import ignore, { type Ignore } from 'ignore';

interface GitignoreFile {
  /** Folder of the .gitignore, root-relative ('' for the root). */
  base: string;
  rules: Ignore;
}

/** The .gitignore files that apply inside one folder, from the root down. */
export type GitignoreStack = readonly GitignoreFile[];

export const NO_GITIGNORE: GitignoreStack = [];

export function withGitignore(stack: GitignoreStack, base: string, content: string): GitignoreStack {
  return [...stack, { base, rules: ignore().add(content) }];
}

/** `path` is root-relative and lies below every base in the stack. */
export function isGitignored(stack: GitignoreStack, path: string, isDirectory: boolean): boolean {
  let ignored = false;
  for (const { base, rules } of stack) {
    const relative = base === '' ? path : path.slice(base.length + 1);
    // A trailing slash lets directory-only patterns such as `build/` match.
    const result = rules.test(isDirectory ? `${relative}/` : relative);
    if (result.ignored) ignored = true;
    else if (result.unignored) ignored = false;
  }
  return ignored;
}
