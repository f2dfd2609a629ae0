import { describe, expect, it } from 'vitest';
import { emitAnnotations, repoRelative, type AnnotationProps } from './annotations.js';
import type { Finding } from './evidence.js';

describe('emitAnnotations', () => {
  it('caps at 10 per severity, errors first, and reports the total', () => {
    const calls: [string, string, AnnotationProps][] = [];
    const sink = {
      error: (m: string, p: AnnotationProps) => calls.push(['error', m, p]),
      warning: (m: string, p: AnnotationProps) => calls.push(['warning', m, p]),
      notice: (m: string, p: AnnotationProps) => calls.push(['notice', m, p]),
    };
    const findings: Finding[] = [
      ...Array.from({ length: 14 }, (_, i) => ({ severity: 'error' as const, message: `e${i}`, file: 'src/a.ts', line: i + 1, column: 2, rule: 'r' })),
      ...Array.from({ length: 3 }, (_, i) => ({ severity: 'warning' as const, message: `w${i}` })),
    ];
    const count = emitAnnotations(findings, sink, 'lint');
    expect(count).toEqual({ shown: 13, total: 17 });
    expect(calls.filter((c) => c[0] === 'error')).toHaveLength(10);
    expect(calls[0]).toEqual(['error', 'e0', { title: 'lint: r', file: 'src/a.ts', startLine: 1, startColumn: 2 }]);
  });
  it('makes absolute paths repository-relative', () => {
    expect(repoRelative('/w/repo/src/a.ts', '/w/repo')).toBe('src/a.ts');
    expect(repoRelative('src/a.ts', '/w/repo')).toBe('src/a.ts');
  });
});
