import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from './html.js';

/** Every tag of the document with its attributes (the renderer's own output is well-formed). */
function tags(html: string): { name: string; attrs: Record<string, string> }[] {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*"|='[^']*'|=[^\s>]+)?)*)\s*\/?>/g)].map((m) => ({
    name: m[1]!.toLowerCase(),
    attrs: Object.fromEntries(
      [...m[2]!.matchAll(/([^\s=>]+)(?:=(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)].map((a) => [a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '']),
    ),
  }));
}

/** What a browser would fetch on opening the document (anything but data: URLs). */
function loads(html: string): string[] {
  const found: string[] = [];
  for (const t of tags(html)) {
    for (const attr of ['src', 'srcset', 'poster', 'data', 'background', 'lowsrc', 'ping'])
      if (attr in t.attrs) found.push(`<${t.name} ${attr}=${t.attrs[attr]}>`);
    if (t.name !== 'a' && 'href' in t.attrs) found.push(`<${t.name} href=${t.attrs.href}>`);
    if (['script', 'iframe', 'frame', 'object', 'embed', 'link', 'base', 'img', 'video', 'audio', 'source', 'svg', 'form', 'input'].includes(t.name))
      found.push(`<${t.name}>`);
    if (t.name === 'meta' && /refresh/i.test(t.attrs['http-equiv'] ?? '')) found.push('<meta refresh>');
    if ('style' in t.attrs) found.push(`<${t.name} style=${t.attrs.style}>`);
    if (t.name === 'a' && /^\s*(?:javascript|data|vbscript|file):/i.test(t.attrs.href ?? '')) found.push(`<a href=${t.attrs.href}>`);
  }
  // CSS fetches from url() and @import, inside <style> elements (style attributes are caught above).
  for (const style of html.matchAll(/<style>([\s\S]*?)<\/style>/gi)) for (const m of style[1]!.matchAll(/url\(|@import/gi)) found.push(`css ${m[0]}`);
  if ((html.match(/<style>/gi) ?? []).length !== 1) found.push("a <style> element besides the report's own");
  return found;
}

const HOSTILE = [
  '## release-safety: pass',
  '',
  '![badge](https://img.example.com/badge.svg) ![local](/etc/passwd)',
  '<img src="http://127.0.0.1:9/x.png" onerror="alert(1)">',
  '<script src="https://cdn.example.com/x.js"></script>',
  '<iframe src="https://example.com/frame"></iframe>',
  '<link rel="stylesheet" href="https://example.com/x.css">',
  '<meta http-equiv="refresh" content="0;url=https://example.com/">',
  '<style>@import url(https://example.com/x.css); body{background:url(https://example.com/b.png)}</style>',
  '<details open ontoggle="alert(1)"><summary style="background:url(https://example.com/s.png)">x</summary></details>',
  '<video poster="https://example.com/p.png"><source src="https://example.com/v.mp4"></video>',
  '<svg><image href="https://example.com/i.png"/></svg>',
  '',
  '[a link](https://github.com/acme/service/pull/12) [script](javascript:alert(1)) [file](file:///etc/passwd) <https://example.com/auto>',
  '',
  '| status | gate |',
  '| --- | --- |',
  '| ✅ pass | lint<br>eslint |',
  '',
  '<details><summary>lint: eslint, no errors</summary>',
  '',
  '```mermaid',
  'gantt',
  '```',
  '',
  '</details>',
].join('\n');

describe('renderHtmlReport: self-contained, whatever the summary holds', () => {
  const html = renderHtmlReport('release-safety: <pass>', HOSTILE);

  it('loads nothing on open: no external image, script, frame, stylesheet, refresh or CSS url', () => {
    expect(loads(html)).toEqual([]);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });

  it('keeps what the reports write: tables, details and summary, <br>, code blocks and safe links', () => {
    expect(html).toContain('<table>');
    expect(html).toContain('<details><summary>lint: eslint, no errors</summary>');
    expect(html).toContain('lint<br>eslint');
    expect(html).toContain('<pre><code class="language-mermaid">gantt');
    expect(html).toContain('<a href="https://github.com/acme/service/pull/12">a link</a>');
    expect(html).toContain('<a href="https://img.example.com/badge.svg">badge</a>');
    expect(html).toContain('<title>release-safety: &lt;pass&gt;</title>');
  });

  it('shows hostile raw HTML as text, not as elements', () => {
    expect(html).toContain('&lt;img src=&quot;http://127.0.0.1:9/x.png&quot; onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('&lt;details open ontoggle=&quot;alert(1)&quot;&gt;');
    expect(html).not.toMatch(/<(?:img|script|iframe|link|video|svg)\b/i);
    expect(tags(html).filter((t) => Object.keys(t.attrs).some((a) => a.startsWith('on')))).toEqual([]);
  });
});
