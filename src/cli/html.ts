/**
 * The self-contained HTML report of a local run: the evidence summary (GitHub-flavoured markdown)
 * rendered with marked, styled inline, with no script and no external resource. The summary holds
 * text from the change under test (titles, findings, tool output), so the renderer lets through
 * only the few bare tags the reports themselves write (`<details>`, `<summary>`, `<br>`); every
 * other piece of raw HTML is shown as text, an image becomes a link, and a link keeps only
 * http(s), mailto and in-page targets. The Content-Security-Policy says the same to the browser.
 */
import { Marked, type Tokens } from 'marked';

// Table cells wrap at words only (overflow-wrap:anywhere let a column shrink inside a word:
// "secret|s"), and the first column (the status icon and word) stays on one line.
const STYLE = `body{font:14px/1.5 -apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;color:#1f2328;max-width:1180px;margin:24px auto;padding:0 16px}
table{border-collapse:collapse;margin:12px 0;display:block;overflow-x:auto;max-width:100%}th,td{border:1px solid #d1d9e0;padding:6px 12px;text-align:left;vertical-align:top}
th{background:#f6f8fa;white-space:nowrap}tr:nth-child(2n) td{background:#fafbfc}td{overflow-wrap:break-word}td:first-child{white-space:nowrap}
code{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,monospace;background:#eff1f3;border-radius:4px;padding:.1em .3em;font-size:85%}
pre{background:#f6f8fa;padding:12px;overflow:auto;border-radius:6px}pre code{background:none;padding:0;white-space:pre}
h1,h2,h3{border-bottom:1px solid #d1d9e0;padding-bottom:.3em}h2{font-size:1.4em}h3{font-size:1.15em}
details{margin:8px 0;border:1px solid #d1d9e0;border-radius:6px;padding:4px 12px}details[open]{padding-bottom:8px}summary{cursor:pointer;font-weight:600}
a{color:#0969da;text-decoration:none}hr{border:0;border-top:1px solid #d1d9e0;margin:16px 0}`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The bare tags the suite's own reports write; anything else in raw HTML is shown as text. */
const KEPT_TAGS = /&lt;(\/?)(details|summary|br|b|strong|em|i|code|sub|sup|kbd|p|ul|ol|li|hr)&gt;/gi;
/** Link targets a reader may follow; none of them is loaded by opening the report. */
const SAFE_HREF = /^(?:https?:\/\/|mailto:|#)/i;

const renderer = new Marked({ gfm: true, async: false }).use({
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text).replace(KEPT_TAGS, (_, slash: string, tag: string) => `<${slash}${tag.toLowerCase()}>`);
    },
    image({ href, text }: Tokens.Image): string {
      // An image would be fetched on open: a link to it is not.
      return SAFE_HREF.test(href) ? `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>` : escapeHtml(text);
    },
    link(token: Tokens.Link): string {
      const inner = this.parser.parseInline(token.tokens);
      if (!SAFE_HREF.test(token.href)) return inner;
      return `<a href="${escapeHtml(token.href)}"${token.title ? ` title="${escapeHtml(token.title)}"` : ''}>${inner}</a>`;
    },
  },
});

export function renderHtmlReport(title: string, markdown: string): string {
  const body = renderer.parse(markdown) as string;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>\n<body>\n${body}\n</body></html>\n`;
}
