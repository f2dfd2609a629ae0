/**
 * Markdown helpers for job summaries and comments. Anything that came from outside (event payload,
 * tool output, file names) goes through `md` or `code` so it cannot inject HTML, links, mentions
 * or table structure.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '|': '&#124;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '(': '&#40;',
  ')': '&#41;',
  '#': '&#35;',
  '@': '&#64;',
  '\\': '&#92;',
  '~': '&#126;',
  '!': '&#33;',
  ':': '&#58;',
};

/** Inline text: every markdown/HTML metacharacter becomes an entity, newlines become spaces. */
export function md(text: string | number): string {
  return String(text)
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[&<>"'|`*_[\]()#@\\~!:]/g, (c) => ENTITIES[c]!);
}

/** Inline code span that survives any content (HTML <code> with escaped text). */
export function code(text: string | number): string {
  return `<code>${md(text)}</code>`;
}

/** A fenced block for multi-line tool output; the fence is longer than any backtick run inside. */
export function codeBlock(text: string, language = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\r/g, '')}\n${fence}`;
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `| ${headers.join(' | ')} |`;
  const sep = `| ${headers.map(() => '---').join(' | ')} |`;
  return [head, sep, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A character a markdown link destination cannot carry as is, percent-encoded (a lone surrogate as U+FFFD). */
function percentEncoded(c: string): string {
  if (c === '(' || c === ')' || c === "'") return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
  try {
    return encodeURIComponent(c);
  } catch {
    return '%EF%BF%BD';
  }
}

/**
 * Only http(s) URLs become links; anything else is shown as text. Existing escapes are kept as
 * they are and nothing is decoded: decoding first turned an encoded `=` or `@` in a file path into
 * `%253D`/`%2540` (a link to another file), and threw on a malformed escape from a record.
 */
export function link(text: string, url: string | undefined): string {
  if (!url || !/^https?:\/\/[^\s<>"'`]+$/.test(url)) return md(text);
  return `[${md(text)}](${url.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#@!$&*+,;=%]/gu, percentEncoded)})`;
}

export const STATUS_ICON: Record<string, string> = {
  pass: '✅',
  fail: '❌',
  error: '⚠️',
  skipped: '⏭️',
};
