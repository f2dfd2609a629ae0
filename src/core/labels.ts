/**
 * How records are shown to people: metric keys as words, file locations as links to the file and
 * line at the commit judged. Used by the job summaries, the gates' own sections and the PR comment,
 * so a key reads the same everywhere.
 */
import { code, link } from './markdown.js';

/** Units a metric key may end in, shown in brackets after the words: `buildMs` -> `build (ms)`. */
const UNITS: Record<string, string> = { ms: 'ms', bytes: 'bytes', seconds: 's' };

/**
 * A metric key as words: `commitsScanned` -> `commits scanned`, `files_checked` -> `files checked`,
 * `sizeBytes` -> `size (bytes)`. Runs of capitals stay one word (`CVSS`), digits stay with theirs.
 */
export function metricLabel(key: string): string {
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z\d])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (/^[A-Z][a-z]/.test(w) ? w.toLowerCase() : w));
  const last = words.at(-1)?.toLowerCase();
  if (words.length > 1 && last !== undefined && UNITS[last]) return `${words.slice(0, -1).join(' ')} (${UNITS[last]})`;
  return words.join(' ') || key;
}

/** Where a repository's files are browsed: the server, `owner/name` and the commit judged. */
export interface SourceLinks {
  serverUrl: string;
  repository: string;
  sha: string;
}

/** A plain repository-relative path (no absolute path, no `.`/`..` segment, no control character) can become a link. */
function isPlainRelativePath(file: string): boolean {
  const parts = file.split('/');
  return !file.startsWith('/') && parts.every((p) => p !== '' && p !== '.' && p !== '..') && ![...file].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f');
}

/** The URL of a file (and line) at the commit, or undefined when the path cannot be one. */
export function sourceUrl(links: SourceLinks, file: string, line?: number): string | undefined {
  if (!isPlainRelativePath(file) || !/^[0-9a-f]{40}$/.test(links.sha) || !/^[\w.-]+\/[\w.-]+$/.test(links.repository)) return undefined;
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${links.serverUrl.replace(/\/+$/, '')}/${links.repository}/blob/${links.sha}/${path}${line ? `#L${line}` : ''}`;
}

/**
 * `file:line` as a link to that line at the commit when one can be made, else as code. `shown` is
 * the text shown (callers clamp long paths); the URL always carries the full path.
 */
export function sourceLocation(links: SourceLinks | undefined, file: string, line?: number, shown = `${file}${line ? `:${line}` : ''}`): string {
  const url = links ? sourceUrl(links, file, line) : undefined;
  return url ? link(shown, url) : code(shown);
}
