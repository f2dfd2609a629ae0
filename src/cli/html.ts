/**
 * The self-contained HTML report of a local run: the evidence summary (GitHub-flavoured markdown)
 * rendered with marked, styled inline, with no script and no external resource.
 */
import { marked } from 'marked';

const STYLE = `body{font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:1012px;margin:24px auto;padding:0 16px}
table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #d1d9e0;padding:6px 12px;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{background:#eff1f3;border-radius:4px;padding:.1em .3em;font-size:85%}pre{background:#f6f8fa;padding:12px;overflow:auto}
h1,h2,h3{border-bottom:1px solid #d1d9e0;padding-bottom:.3em}details{margin:8px 0}summary{cursor:pointer;font-weight:600}`;

export function renderHtmlReport(title: string, markdown: string): string {
  const body = marked.parse(markdown, { gfm: true, async: false });
  const safeTitle = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><title>${safeTitle}</title><style>${STYLE}</style></head>\n<body>\n${body}\n</body></html>\n`;
}
