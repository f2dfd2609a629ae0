/**
 * The incremental parser of the `git log -p -U0 --text` stream (plain and `--cc` combined
 * diffs) that feeds the scratch tree of patch.ts: only added lines, at their line numbers.
 */
import type { AddedFile, AddedHunk } from './patch.js';

const COMMIT_MARK = '\x01';
const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/;
/** A combined-diff hunk (`--cc`, one `-` range per parent): `@@@ -a,b -c,d +e,f @@@`. */
const COMBINED_HUNK = /^(@{3,}) (?:-\d+(?:,\d+)? )+\+(\d+)(?:,(\d+))? @{3,}/;

/** Undoes git's C-style quoting of unusual path names ("a\tb", octal escapes for bytes). */
export function unquoteGitPath(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return raw;
  const body = raw.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Incremental parser of `git log --format=%x01%H -p -U0 --text --src-prefix=a/ --dst-prefix=b/`,
 * also with `--cc` (combined diffs of octopus merges). Only added lines are kept; deleted files
 * (+++ /dev/null) yield nothing; NUL bytes are removed from added lines (see AddedFile.nulBytes).
 * With -U0 every plain hunk's added lines are contiguous from the +start of its header; in a
 * combined hunk a line is added by the merge only when every parent column says `+` (a line
 * with a space in some column came from that parent), and lines in the result are counted to
 * place it.
 */
export class PatchParser {
  private pending = '';
  private commit = '';
  private path: string | undefined;
  private file: AddedFile | undefined;
  private hunk: AddedHunk | undefined;
  private inHeader = false;
  private nextLine = 0;
  /** Parent columns of the current combined hunk; 0 for a plain diff. */
  private parents = 0;
  commits = 0;

  constructor(
    private readonly onFile: (file: AddedFile) => void,
    private readonly onCommit: (sha: string) => void = () => {},
  ) {}

  write(chunk: string): void {
    this.pending += chunk;
    let start = 0;
    for (;;) {
      const nl = this.pending.indexOf('\n', start);
      if (nl < 0) break;
      this.line(this.pending.slice(start, nl));
      start = nl + 1;
    }
    this.pending = this.pending.slice(start);
  }

  end(): void {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
    this.closeFile();
  }

  private closeFile(): void {
    if (this.file && (this.file.hunks.length > 0 || this.file.binary)) this.onFile(this.file);
    this.file = undefined;
    this.hunk = undefined;
    this.path = undefined;
  }

  private line(text: string): void {
    if (this.hunk) {
      if (this.parents > 0 ? this.combinedLine(text) : this.plainLine(text)) return;
      // Anything else ends the hunk and is read as a header line below.
      this.hunk = undefined;
    }
    if (text.startsWith(COMMIT_MARK)) {
      this.closeFile();
      this.commit = text.slice(1).trim().toLowerCase();
      this.commits++;
      this.onCommit(this.commit);
      this.inHeader = false;
      return;
    }
    if (text.startsWith('diff --git ') || text.startsWith('diff --cc ') || text.startsWith('diff --combined ')) {
      this.closeFile();
      this.parents = 0;
      this.inHeader = true;
      return;
    }
    if (!this.inHeader && !this.file) return;
    if (text.startsWith('+++ ')) {
      let target = text.slice(4);
      if (target.endsWith('\t')) target = target.slice(0, -1);
      if (target === '/dev/null') {
        this.path = undefined;
      } else {
        const unquoted = unquoteGitPath(target);
        this.path = unquoted.startsWith('b/') ? unquoted.slice(2) : unquoted;
        this.file = { commit: this.commit, path: this.path, hunks: [] };
      }
      this.inHeader = false;
      return;
    }
    const m = HUNK.exec(text);
    const combined = m ? undefined : COMBINED_HUNK.exec(text);
    const header = m ?? combined;
    if (header && this.file) {
      const start = Number(header[2 - (m ? 1 : 0)]);
      const countText = header[3 - (m ? 1 : 0)];
      const count = countText === undefined ? 1 : Number(countText);
      if (count === 0) return;
      this.parents = combined ? combined[1]!.length - 1 : 0;
      this.hunk = { start, lines: [] };
      this.nextLine = start;
      if (!combined) this.file.hunks.push(this.hunk);
    }
  }

  /** An added line's text: NUL bytes removed (and the file marked), see AddedFile.nulBytes. */
  private addedText(body: string): string {
    if (!body.includes('\0')) return body;
    this.file!.nulBytes = true;
    return body.replace(/\0/g, '');
  }

  /** A line inside a plain hunk; false when it ends the hunk. */
  private plainLine(text: string): boolean {
    const c = text[0];
    if (c === '+') {
      this.hunk!.lines.push(this.addedText(text.slice(1)));
      this.nextLine++;
      return true;
    }
    return c === '-' || c === '\\' || c === ' ';
  }

  /** A line inside a combined hunk; false when it ends the hunk. */
  private combinedLine(text: string): boolean {
    if (text.startsWith('\\')) return true;
    const columns = text.slice(0, this.parents);
    if (columns.length < this.parents || /[^+\- ]/.test(columns)) return false;
    // In some parent but not in the result: nothing to place.
    if (columns.includes('-')) return true;
    if (/^\++$/.test(columns)) {
      // New against every parent: made by the merge itself.
      const hunks = this.file!.hunks;
      let hunk = hunks[hunks.length - 1];
      if (!hunk || hunk.start + hunk.lines.length !== this.nextLine) {
        hunk = { start: this.nextLine, lines: [] };
        hunks.push(hunk);
      }
      hunk.lines.push(this.addedText(text.slice(this.parents)));
    }
    this.nextLine++;
    return true;
  }
}
