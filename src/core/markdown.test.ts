import { describe, expect, it } from 'vitest';
import { code, codeBlock, link, md, table } from './markdown.js';

describe('markdown escaping', () => {
  it('neutralises HTML, links, mentions, table pipes and newlines', () => {
    const hostile = '<img src=x onerror=alert(1)> [x](javascript:alert(1)) @octocat | **b**\n# h';
    const out = md(hostile);
    expect(out.replace(/&#?\w+;/g, '')).not.toMatch(/[<>[\]()|*@\n#]/);
    expect(out).toContain('&lt;img');
  });
  it('code spans escape their content', () => {
    expect(code('a`b<c>')).toBe('<code>a&#96;b&lt;c&gt;</code>');
  });
  it('code blocks use a fence longer than any backtick run inside', () => {
    expect(codeBlock('x ```` y').startsWith('`````')).toBe(true);
  });
  it('links only http(s) URLs', () => {
    expect(link('run', 'https://github.com/a/b/actions/runs/1')).toBe('[run](https://github.com/a/b/actions/runs/1)');
    expect(link('run', 'javascript:alert(1)')).toBe('run');
    // Escapes are kept (not decoded and encoded again), a malformed one is encoded, never thrown on.
    expect(link('f', 'https://h/a/src/%3Cx%20a%3Db%40c%3E.ts#L3')).toBe('[f](https://h/a/src/%3Cx%20a%3Db%40c%3E.ts#L3)');
    expect(link('f', 'https://h/r/%E0%A4%A')).toBe('[f](https://h/r/%E0%A4%25A)');
    expect(link('f', 'https://h/a(b)/é\ud800[1]')).toBe('[f](https://h/a%28b%29/%C3%A9%EF%BF%BD%5B1%5D)');
  });
  it('builds tables', () => {
    expect(table(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
  });
});
