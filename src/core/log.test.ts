import { describe, expect, it } from 'vitest';
import { parseWorkflowCommands } from '../local/harness.js';
import { MAX_LOG_LINE, neutraliseCommands, printUntrusted, streamBetweenMarkers } from './log.js';

describe('neutraliseCommands', () => {
  const cases: [string, string][] = [
    ['##[add-mask]x', '## [add-mask]x'],
    ['junit: reports/##[error title=forged]x.xml', 'junit: reports/## [error title=forged]x.xml'],
    ['::set-output name=status::pass', ': :set-output name=status::pass'],
    ['  ::add-mask::x', '  : :add-mask::x'],
    ['\u00a0\u200b::add-mask::x', '\u00a0\u200b: :add-mask::x'],
    ['#\u200b#[add-mask]x', '## [add-mask]x'],
    ['a\n::error::b\r::warning::c\r\n##[debug]d', 'a\n: :error::b\r: :warning::c\r\n## [debug]d'],
    ['plain text: 5 passed (a::b)', 'plain text: 5 passed (a::b)'],
  ];
  it.each(cases)('%j -> %j', (input, expected) => {
    expect(neutraliseCommands(input)).toBe(expected);
  });
  it('leaves nothing the runner would run, in either form', () => {
    const hostile = ['##[add-mask]a', 'x ##[set-output name=s;]pass', '::add-mask::b', ' \t::error title=t::c', '#\u2060#[warning]d'].join('\n');
    expect(parseWorkflowCommands(neutraliseCommands(hostile))).toEqual([]);
    expect(parseWorkflowCommands(hostile).map((c) => c.form)).toEqual(['legacy', 'legacy', 'v2', 'v2']);
  });
});

describe('untrusted output between stop-commands markers', () => {
  it('is shown, not run, in both forms', () => {
    const lines: string[] = [];
    printUntrusted((l) => lines.push(l), '::add-mask::a\n##[add-mask]b\n::stop-commands::x\n::error::c');
    expect(parseWorkflowCommands(lines.join('\n'))).toEqual([]);
  });
  it('streams one long line in time linear in its length, cut for the log', () => {
    const cost = (mb: number) => {
      const lines: string[] = [];
      const stream = streamBetweenMarkers((l) => lines.push(l));
      const chunk = 'y'.repeat(64 * 1024);
      const t0 = performance.now();
      for (let sent = 0; sent < mb * 1024 * 1024; sent += chunk.length) stream.write(chunk);
      stream.write('\nnext\n');
      stream.end();
      const ms = performance.now() - t0;
      lines.splice(0, lines.length, ...lines.join('\n').split('\n'));
      expect(lines[1]!.length).toBeLessThan(MAX_LOG_LINE + 100);
      expect(lines[1]).toMatch(/more characters of this line not shown\]$/);
      expect(lines[2]).toBe('next');
      return ms;
    };
    cost(1);
    const small = cost(10);
    const large = cost(100);
    // 10x the bytes: linear is about 10x; the old quadratic scan was about 100x.
    expect(large / Math.max(small, 1)).toBeLessThan(30);
  });
});
