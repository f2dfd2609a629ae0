/**
 * Turns the `git log -p -U0` stream of a commit range into a scratch tree that any gitleaks can
 * scan in `dir` mode (including builds that cannot spawn git): every line a commit ADDED is
 * written at its own line number in that commit's version of the file, everything else is a blank
 * line, so gitleaks' line numbers, columns, path allowlists and inline `gitleaks:allow` comments
 * all hold, and each finding maps back to exactly one commit.
 *
 * Files are packed into "layers": a layer is a directory laid out like the repository, so a path
 * allowlist such as `^docs/` still matches. Two commits' lines share a layer file when their line
 * numbers do not collide; a hunk whose lines are already taken (a later commit editing the same
 * lines) is placed after the end of the same file, and a map from scratch line to (commit,
 * original file, original line) takes every finding back. So one buffered batch is one layer is
 * one gitleaks run, however many commits edit the same lines. Content is buffered up to a bound
 * and then flushed to disk; later content goes into a fresh layer, so memory stays bounded on any
 * history.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One hunk of added lines: `lines[i]` is at line `start + i` of the commit's file. */
export interface AddedHunk {
  start: number;
  lines: string[];
}

export interface AddedFile {
  commit: string;
  path: string;
  hunks: AddedHunk[];
  /**
   * Content that was left out of the scan as binary. The parser never sets it (it scans the
   * text of every added line, see `nulBytes`); a caller may, and the tree counts it as skipped.
   */
  binary?: boolean;
  /**
   * The added lines held NUL bytes (a binary, a UTF-16 file, or text with a stray NUL). They are
   * kept with the NUL bytes removed: a NUL must never hide the text around it, and removing it
   * turns UTF-16 text into the characters gitleaks' rules match.
   */
  nulBytes?: boolean;
}

export { PatchParser, unquoteGitPath } from './parser.js';

// ---- layers -------------------------------------------------------------------------------

/** Scratch lines start..end of a layer file hold original lines start-offset..end-offset of `path` in `commit`. */
interface Segment {
  start: number;
  end: number;
  offset: number;
  commit: number;
  path: string;
}

interface LayerFile {
  /** Sorted by start once the layer is flushed. */
  segments: Segment[];
  /** Buffered content by scratch line number until the layer is flushed; undefined once written. */
  content: Map<number, string> | undefined;
  /** The highest scratch line holding content. */
  lastLine: number;
}

interface Layer {
  dir: string;
  /** By scratch path (relative, `/`-separated). */
  files: Map<string, LayerFile>;
  /** Folded file path -> the path as written, and folded directory prefixes: for clash checks. */
  fileKeys: Map<string, string>;
  dirKeys: Set<string>;
}

/** Where reserved root files (.gitleaksignore, .gitleaks.toml) are scanned in a layer. */
export const RESERVED_DIR = '.release-safety-reserved';

/**
 * gitleaks (8.28, through its archive library) takes a file for an archive when its base name
 * merely CONTAINS one of these extensions (`a.brand.txt`, `x.gzip.txt`, `creds.zip`), and does
 * not open it: a text file so named would go unscanned. Measured against the pinned engine.
 */
const ARCHIVE_LIKE_NAME = /\.(?:7z|br|bz2|gz|lz|lz4|mz|rar|sz|tar|xz|zip|zst|zz)/i;
export const ARCHIVE_NAME_SUFFIX = '.release-safety-text';

/**
 * The name a file is scanned under so gitleaks opens it: an archive-like base name has its dots
 * replaced and a neutral suffix added (findings are mapped back to the real path).
 */
export function scannableName(path: string): string {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if (!ARCHIVE_LIKE_NAME.test(name)) return path;
  return `${path.slice(0, slash + 1)}${name.replace(/\./g, '_')}${ARCHIVE_NAME_SUFFIX}`;
}

/** Where a scratch line came from. */
export interface LineOrigin {
  commit: string;
  /** The repository path (a reserved file is scanned under another name). */
  path: string;
  line: number;
}

/**
 * The scratch path (`/`-separated, relative to the layer) of a file gitleaks reported. Only
 * Windows separates with `\\`; elsewhere a backslash is part of a file name.
 */
export function reportedScratchPath(file: string, platform: NodeJS.Platform = process.platform): string {
  const path = platform === 'win32' ? file.replace(/\\/g, '/') : file;
  return path.replace(/^(?:\.\/)+/, '');
}

/** "a/b/c" -> ["a", "a/b"]. */
function parentDirs(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** A path git could record that would escape the layer directory: never written. */
function unsafePath(path: string): boolean {
  return path === '' || path.startsWith('/') || path.split('/').some((seg) => seg === '..' || seg === '.' || seg === '') || path.includes('\0');
}

export interface SkippedFile {
  commit: string;
  path: string;
  reason: string;
}

export interface LayoutStats {
  /** (commit, path) pairs with added lines that were materialised. */
  filesScanned: number;
  linesAdded: number;
  layers: number;
  /** Hunks placed after the end of their file because an earlier commit's lines held their line numbers. */
  movedHunks: number;
  /** (commit, path) pairs left out of the scratch tree, with why. */
  skipped: SkippedFile[];
  /** (commit, path) pairs whose added lines held NUL bytes, scanned with them removed. */
  withNulBytes: number;
}

export class LayeredScratchTree {
  private readonly layers: Layer[] = [];
  private readonly byDir = new Map<string, Layer>();
  /**
   * Layers still accepting content (the unflushed batch). Normally one; a path that clashes with
   * another in the batch (a file later replaced by a directory of the same name, or a case
   * variant where the file system folds case) needs the next.
   */
  private open: Layer[] = [];
  private readonly commitIds: string[] = [];
  private readonly commitIndex = new Map<string, number>();
  private buffered = 0;
  readonly stats: LayoutStats = { filesScanned: 0, linesAdded: 0, layers: 0, movedHunks: 0, skipped: [], withNulBytes: 0 };

  constructor(
    private readonly root: string,
    /** Root-level paths gitleaks reads as its own ignore list or config: written under RESERVED_DIR. */
    private readonly reservedRootFiles: ReadonlySet<string>,
    private readonly maxBufferedBytes = 64 * 1024 * 1024,
    /** macOS and Windows file systems fold case: README and readme are one file there. */
    private readonly foldCase = process.platform === 'darwin' || process.platform === 'win32',
    /**
     * Blank lines written before line 1 of every file. gitleaks reads the first bytes of a file
     * for a file type and skips "application" types (a text file starting "MZ" or "%PDF"): with
     * a blank first line no added content sits at byte 0.
     */
    private readonly leadingBlankLines = 0,
  ) {
    mkdirSync(root, { recursive: true });
  }

  add(file: AddedFile): void {
    if (file.binary) {
      this.stats.skipped.push({ commit: file.commit, path: file.path, reason: 'binary content (NUL bytes)' });
      return;
    }
    if (unsafePath(file.path)) {
      this.stats.skipped.push({ commit: file.commit, path: file.path, reason: 'not a plain relative path' });
      return;
    }
    let added = 0;
    for (const h of file.hunks) added += h.lines.length;
    if (added === 0) return;
    let commit = this.commitIndex.get(file.commit);
    if (commit === undefined) {
      commit = this.commitIds.length;
      this.commitIds.push(file.commit);
      this.commitIndex.set(file.commit, commit);
    }
    // A file gitleaks would read as its own ignore list or config is scanned under another name
    // (its basename kept, so basename allowlists still match) and its findings mapped back.
    let scratchPath = this.reservedRootFiles.has(file.path) ? `${RESERVED_DIR}/${file.path}` : file.path;
    scratchPath = scannableName(scratchPath);
    if (file.nulBytes) this.stats.withNulBytes++;
    const layer = this.layerFor(scratchPath);
    let lf = layer.files.get(scratchPath);
    if (!lf) {
      lf = { segments: [], content: new Map(), lastLine: 0 };
      layer.files.set(scratchPath, lf);
    }
    const content = lf.content!;
    for (const h of file.hunks) {
      if (h.lines.length === 0) continue;
      let taken = false;
      for (let i = 0; i < h.lines.length && !taken; i++) taken = content.has(h.start + this.leadingBlankLines + i);
      // A taken line number: after the end of the file, one blank line apart so two commits'
      // lines never read as one multi-line match.
      const start = taken ? lf.lastLine + 2 : h.start + this.leadingBlankLines;
      if (taken) this.stats.movedHunks++;
      for (let i = 0; i < h.lines.length; i++) {
        const text = h.lines[i]!;
        content.set(start + i, text);
        this.buffered += text.length + 1;
      }
      const end = start + h.lines.length - 1;
      if (end > lf.lastLine) lf.lastLine = end;
      lf.segments.push({ start, end, offset: start - h.start, commit, path: file.path });
    }
    this.stats.linesAdded += added;
    this.stats.filesScanned++;
    if (this.buffered >= this.maxBufferedBytes) this.flush();
  }

  private key(path: string): string {
    return this.foldCase ? path.toLowerCase() : path;
  }

  /** `path` cannot be written in `layer`: it or one of its parents is taken by the other kind. */
  private clashes(layer: Layer, path: string): boolean {
    const key = this.key(path);
    const existing = layer.fileKeys.get(key);
    if (existing !== undefined) return existing !== path;
    if (layer.dirKeys.has(key)) return true;
    return parentDirs(path).some((dir) => layer.fileKeys.has(this.key(dir)));
  }

  private layerFor(path: string): Layer {
    let layer = this.open.find((l) => !this.clashes(l, path));
    if (!layer) {
      layer = { dir: join(this.root, String(this.layers.length)), files: new Map(), fileKeys: new Map(), dirKeys: new Set() };
      this.layers.push(layer);
      this.byDir.set(layer.dir, layer);
      this.open.push(layer);
      this.stats.layers = this.layers.length;
    }
    if (!layer.fileKeys.has(this.key(path))) {
      layer.fileKeys.set(this.key(path), path);
      for (const dir of parentDirs(path)) layer.dirKeys.add(this.key(dir));
    }
    return layer;
  }

  /** Writes the buffered layers to disk; later content goes into new layers. */
  flush(): void {
    for (const layer of this.open) this.write(layer);
    this.open = [];
    this.buffered = 0;
  }

  private write(layer: Layer): void {
    for (const [path, lf] of layer.files) {
      if (!lf.content) continue;
      // A loop, not Math.max(...keys): a file can have hundreds of thousands of lines.
      const out = new Array<string>(lf.lastLine).fill('');
      for (const [line, text] of lf.content) out[line - 1] = text;
      const target = join(layer.dir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, `${out.join('\n')}\n`);
      lf.content = undefined;
      lf.segments.sort((a, b) => a.start - b.start);
    }
  }

  /** Directories to scan, each laid out like the repository. Call after flush(). */
  layerDirs(): string[] {
    return this.layers.filter((l) => l.files.size > 0).map((l) => l.dir);
  }

  /** Where scratch `line` of `path` in the layer at `dir` came from; undefined for a blank line. */
  origin(dir: string, path: string, line: number): LineOrigin | undefined {
    const segments = this.byDir.get(dir)?.files.get(path)?.segments;
    if (!segments) return undefined;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segments[mid]!;
      if (line < s.start) hi = mid - 1;
      else if (line > s.end) lo = mid + 1;
      else return { commit: this.commitIds[s.commit]!, path: s.path, line: line - s.offset };
    }
    return undefined;
  }

  /** Every (commit, repository path) whose lines the scratch file `path` of the layer at `dir` holds. */
  originsOf(dir: string, path: string): { commit: string; path: string }[] {
    const seen = new Map<string, { commit: string; path: string }>();
    for (const s of this.byDir.get(dir)?.files.get(path)?.segments ?? []) {
      const commit = this.commitIds[s.commit]!;
      seen.set(`${commit}\0${s.path}`, { commit, path: s.path });
    }
    return [...seen.values()];
  }

  /** The commit that added scratch `line` of `path` in the layer at `dir`. */
  commitAt(dir: string, path: string, line: number): string | undefined {
    return this.origin(dir, path, line)?.commit;
  }
}
