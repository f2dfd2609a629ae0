import { describe, expect, it } from 'vitest';
import { stripAnsi } from './ansi.js';

describe('stripAnsi', () => {
  it.each([
    ['colours (vitest with FORCE_COLOR=1)', '\u001b[31m\u001b[1mFAIL\u001b[22m\u001b[39m test/a.test.ts', 'FAIL test/a.test.ts'],
    ['an OSC hyperlink', '\u001b]8;;https://example.test\u0007docs\u001b]8;;\u0007', 'docs'],
    ['a charset shift', '\u001b(Bplain', 'plain'],
    ['cursor movement and line erase', '\u001b[2K\u001b[1Gprogress\u001b[?25h', 'progress'],
    ['a lone ESC', 'a\u001bb', 'ab'],
    ['an 8-bit CSI', '\u009b31mred', 'red'],
    ['bell and backspace', 'x\u0007y\u0008z', 'xyz'],
  ])('removes %s', (_what, input, expected) => {
    const out = stripAnsi(input);
    expect(out).toBe(expected);
    expect([...out].some((c) => c === '\u001b' || c === '\u009b')).toBe(false);
  });

  it('keeps text, tabs and line breaks as they are', () => {
    const text = 'Tests  1 failed | 2 passed (3)\n\tat line 4\r\nünïcode ✓';
    expect(stripAnsi(text)).toBe(text);
  });
});
