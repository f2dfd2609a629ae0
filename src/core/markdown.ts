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

/** Only http(s) URLs become links; anything else is shown as text. */
export function link(text: string, url: string | undefined): string {
  if (!url || !/^https?:\/\/[^\s<>"'`]+$/.test(url)) return md(text);
  return `[${md(text)}](${encodeURI(decodeURI(url)).replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'))})`;
}

export const STATUS_ICON: Record<string, string> = {
  pass: '✅',
  fail: '❌',
  error: '⚠️',
  skipped: '⏭️',
};
