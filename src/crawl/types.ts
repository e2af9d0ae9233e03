export interface CrawlOptions {
  /** fast-glob patterns relative to the root; by default every file. Dotfiles match like any other file. */
  include?: string[];
  /** fast-glob patterns to leave out, on top of the built-in ignores and .gitignore. */
  exclude?: string[];
  /** Absolute paths to skip entirely (the index folder lives here when it is inside the root). */
  ignoreDirs?: string[];
  /** Larger files are skipped with a reason; default 10 MiB. */
  maxFileBytes?: number;
  /** Honour .gitignore files at the root and in subfolders; default true. */
  respectGitignore?: boolean;
}

export interface FileEntry {
  /** Relative to the crawl root, POSIX separators. */
  path: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

export interface SkippedFile {
  path: string;
  /** Short and human readable: 'binary file (NUL bytes)', 'larger than 10 MiB', 'unreadable: EACCES', … */
  reason: string;
}

export interface SourceDocument extends FileEntry {
  /** Hex SHA-256 of the raw bytes. */
  sha256: string;
  /** 'utf-8', 'utf-16le', 'shift_jis', 'windows-1252', … */
  encoding: string;
  /** Decoded, BOM removed, CRLF and CR normalised to LF. */
  text: string;
}

export type ReadResult = { kind: 'document'; document: SourceDocument } | { kind: 'skipped'; skipped: SkippedFile };
export type WalkItem = { kind: 'file'; entry: FileEntry } | { kind: 'skipped'; skipped: SkippedFile };
